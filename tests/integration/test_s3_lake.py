"""The whole system on a real S3 protocol server (moto in server mode): the dump cached under raw/,
staged batches and the lake's partitions all in the bucket, and the stored rows exactly the dump's;
validated and downloaded back from the bucket."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime

import aiohttp
import pyarrow.parquet as pq
import pytest

from tests.integration.client import follow, get_json, submit, validated
from tests.integration.real_dumps import FILES, csv_rows
from tests.integration.servers import S3_CREDENTIALS, moto_bucket
from tests.integration.system import isolated_system
from tests.integration.times import iso


@pytest.fixture(scope="module")
async def s3_system(simulator, tmp_path_factory):
    folder = tmp_path_factory.mktemp("s3-dump")
    name, member, source, _, _ = FILES[0]
    with zipfile.ZipFile(folder / name, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(source, member)
    with moto_bucket("candles") as (endpoint, s3):
        async with isolated_system(simulator.url, tmp_path_factory, STORAGE_URL="s3://candles/lake",
                                   S3_ENDPOINT_URL=endpoint, KRAKEN_OHLCVT_SOURCE=str(folder), BATCH_ROWS="5000",
                                   **S3_CREDENTIALS) as system:
            yield system, s3


async def test_dump_seeding_into_an_s3_lake(s3_system):
    system, s3 = s3_system
    _, _, source, symbol, timeframe = FILES[0]
    want = csv_rows(source)
    start = datetime.fromtimestamp(want[0][0] / 1000, UTC)
    end = datetime.fromtimestamp(want[-1][0] / 1000 + 3600, UTC)
    job = await submit(system.api, {"exchange": "kraken", "symbol": symbol, "timeframe": timeframe,
                                    "start_timestamp": iso(start), "end_timestamp": iso(end)})
    await follow(system.api, job["id"])
    view = await get_json(system.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed", (view, system.logs())
    # Named by their key in the lake, never by where the server keeps it.
    assert all(a["path"].startswith("candles/exchange=kraken/symbol=BTC-USD/timeframe=1h/")
               for a in view["result"]["artifacts"])

    for _ in range(50):  # the writer drops a staged file just after it records the batch as written
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="candles", Prefix="lake/")["Contents"])
        if not [k for k in keys if k.startswith("lake/staging/")]:
            break
        await asyncio.sleep(0.1)
    assert "lake/raw/kraken/ohlcvt/Kraken_OHLCVT.zip" in keys
    assert not [k for k in keys if k.startswith("lake/staging/")]
    parts = [k for k in keys if k.startswith("lake/candles/")]
    assert len(parts) == 8  # 2013 to 2020, one partition file per year
    rows = []
    for key in parts:
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket="candles", Key=key)["Body"].read()))
        rows += [(int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"],
                  r["trades"]) for r in table.to_pylist()]
    assert rows == want


async def test_a_job_in_an_s3_lake_is_validated_and_downloaded(s3_system):
    system, _ = s3_system
    (job,) = await get_json(system.api, "/api/data-jobs")
    want = csv_rows(FILES[0][2])
    validation = await validated(system.api, job["id"])
    # Eight year partitions read back from the bucket, every candle checked, none failing.
    assert validation["ok"] and validation["reports"]["1h"]["rows"] == len(want), validation
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{system.api}/api/data-jobs/{job['id']}/candles?format=parquet") as resp:
            assert resp.status == 200
            table = pq.read_table(io.BytesIO(await resp.read()))
    got = [(int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"], r["trades"])
           for r in table.to_pylist()]
    assert got == want
