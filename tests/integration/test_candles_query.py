"""GET /api/candles against the running system: what it answers equals the lake, in Parquet, CSV and
JSON, over a range and over everything stored, each with the quality report of its range (and DuckDB
reads the Parquet as it is); a bad parameter is a 4xx naming it; and a long download streams while
other requests are answered."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

import aiohttp
import duckdb
import pyarrow.parquet as pq
import pytest

from bench.synthetic_lake import write_lake
from shared.lake.storage import open_storage
from shared.platform.db import create_pool
from tests.integration.client import lake_rows, run_job
from tests.integration.system import isolated_system
from tests.integration.times import NOW, iso

START, END = NOW - timedelta(days=10), NOW - timedelta(hours=3)
QUERY = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h"}


@pytest.fixture(scope="module")
async def system(simulator, tmp_path_factory):
    """A system of its own: the candles fetched and written here must not be in the lake that other
    modules' jobs expect to find empty (test_end_to_end fetches the same market and timeframe)."""
    async with isolated_system(simulator.url, tmp_path_factory) as own:
        yield own


@pytest.fixture(scope="module")
async def hourly(system):
    view, _ = await run_job(system.api, {**QUERY, "start_timestamp": iso(START), "end_timestamp": iso(END)})
    assert view["status"] == "completed", view
    return lake_rows(system.lake, "BTC/USD", "1h")


async def get(api: str, **params: str) -> tuple[int, str, bytes]:
    status, headers, body = await fetch(f"{api}/api/candles", params)
    return status, headers.get("Content-Type", ""), body


async def fetch(url: str, params: dict | None = None) -> tuple[int, dict, bytes]:
    async with aiohttp.ClientSession() as http, http.get(url, params=params) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def sidecar(api: str, params: dict) -> tuple[dict, dict]:
    """The quality report the answer's Link header names, and the answer's headers."""
    status, headers, _ = await fetch(f"{api}/api/candles", params)
    link = headers["Link"]
    assert status == 200 and link.endswith('>; rel="describedby"; type="application/json"'), headers
    status, _, body = await fetch(api + link[1:link.index(">")])
    assert status == 200
    return json.loads(body), headers


def between(rows: list[dict], start: datetime, end: datetime) -> list[dict]:
    return [r for r in rows if start <= r["ts"] < end]


async def test_each_format_equals_the_lake(system, hourly, tmp_path):
    start, end = START + timedelta(days=2), START + timedelta(days=5)
    expected = between(hourly, start, end)
    assert len(expected) > 50  # the simulator leaves some hours without trades
    params = {**QUERY, "start": iso(start), "end": iso(end)}

    status, kind, body = await get(system.api, **params)
    assert status == 200 and kind == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(body)).to_pylist() == expected
    report, _ = await sidecar(system.api, params)
    assert (report["start"], report["end"], report["symbol"]) == (iso(start), iso(end), "BTC/USD")
    assert report["complete"] and {i["state"] for i in report["intervals"]} <= {"data", "no_trades"}
    assert json.loads(pq.read_schema(io.BytesIO(body)).metadata[b"candles.quality"]) == report
    path = tmp_path / "candles.parquet"
    path.write_bytes(body)
    read = duckdb.connect().execute("SELECT count(*), epoch_ms(min(ts)) FROM read_parquet(?)", [str(path)])
    assert read.fetchone() == (len(expected), int(expected[0]["ts"].timestamp() * 1000))

    status, kind, body = await get(system.api, **params, format="csv")
    assert status == 200 and kind == "text/csv"
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [r["ts"] for r in rows] == [iso(r["ts"]) for r in expected]
    assert [float(r["vwap"]) for r in rows] == [r["vwap"] for r in expected]
    assert [(float(r["volume"]), int(r["trades"]), r["source"]) for r in rows] == [
        (r["volume"], r["trades"], r["source"]) for r in expected]

    status, kind, body = await get(system.api, **params, format="json")
    assert status == 200 and kind == "application/json"
    doc = json.loads(body)
    assert (doc["start_timestamp"], doc["end_timestamp"]) == (iso(start), iso(end)) and doc["quality"] == report
    assert doc["candles"] == [{**r, "ts": iso(r["ts"])} for r in expected]


async def test_the_range_is_cut_to_what_the_lake_holds(system, hourly):
    status, _, body = await get(system.api, **QUERY, start="2000-01-01T00:00:00Z", end=iso(NOW + timedelta(days=1)))
    assert status == 200 and pq.read_table(io.BytesIO(body)).to_pylist() == hourly
    # The report is of the range answered, and so is its link, whatever the request left out.
    report, headers = await sidecar(system.api, {**QUERY, "format": "csv"})
    assert (report["start"], report["end"]) == (iso(hourly[0]["ts"]), iso(hourly[-1]["ts"] + timedelta(hours=1)))
    assert headers["Content-Disposition"].endswith('.csv"')
    status, _, whole = await get(system.api, **QUERY)
    assert status == 200 and whole == body
    status, _, body = await get(system.api, **QUERY, start="2001-01-01T00:00:00Z", end="2001-02-01T00:00:00Z",
                                format="json")
    assert status == 200 and json.loads(body)["candles"] == [] and json.loads(body)["start_timestamp"] is None
    report, _ = await sidecar(system.api, {**QUERY, "start": "2001-01-01T00:00:00Z", "end": "2001-02-01T00:00:00Z"})
    assert report["start"] == report["end"] and report["intervals"] == []


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"symbol": "BTC/USD", "timeframe": "1h"}, 400, "exchange"),
    ({**QUERY, "timeframe": "7m"}, 400, "timeframe"),
    ({**QUERY, "start": "yesterday"}, 400, "start"),
    ({**QUERY, "end": "2026-11-01T00:00:00"}, 400, "end"),  # no offset: which zone is meant is unknown
    ({**QUERY, "format": "xlsx"}, 400, "format"),
    ({**QUERY, "start": "2026-11-10T00:00:00Z", "end": "2026-11-09T00:00:00Z"}, 422, "end"),
    ({**QUERY, "exchange": "nowhere"}, 422, "exchange"),
    ({**QUERY, "symbol": "NOPE/USD"}, 404, "symbol"),
])
async def test_a_bad_parameter_is_refused_naming_it(system, hourly, params, status, field):
    got, kind, body = await get(system.api, **params)
    assert (got, kind.split(";")[0], json.loads(body)["field"]) == (status, "application/json", field), body


async def test_a_long_download_does_not_stall_other_requests(system, hourly):
    # A year of 1m candles of a market no other test uses, read back slowly.
    pool = await create_pool(system.env["DATABASE_URL"])
    try:
        rows = await write_lake(pool, open_storage(system.env["STORAGE_URL"]), "kraken", "SYN/USD", "1m",
                                int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000),
                                int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1000))
    finally:
        await pool.close()
    done, under_way = asyncio.Event(), asyncio.Event()
    got = 0

    async def slow_download() -> None:
        nonlocal got
        async with aiohttp.ClientSession() as http, http.get(f"{system.api}/api/candles", params={
                "exchange": "kraken", "symbol": "SYN/USD", "timeframe": "1m", "format": "json"}) as resp:
            async for chunk in resp.content.iter_chunked(1 << 16):
                got += len(chunk)
                if got >= 1 << 20:
                    under_way.set()
                await asyncio.sleep(0.002)
        done.set()

    download = asyncio.create_task(slow_download())
    latencies = []
    async with aiohttp.ClientSession() as http:
        await asyncio.wait_for(under_way.wait(), 60)
        for _ in range(20):
            began = time.monotonic()
            async with http.get(f"{system.api}/api/data-coverage", params={"exchange": "kraken"}) as resp:
                assert resp.status == 200
            latencies.append(time.monotonic() - began)
    assert not done.is_set(), "the download ended before the other requests: nothing was checked"
    await download
    assert rows == 366 * 1440 and got > 366 * 1440 * 100
    assert max(latencies) < 1.0, latencies
