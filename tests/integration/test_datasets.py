"""Datasets end to end, on local files and on S3 (moto's server): a snapshot of BTC/USD and ETH/USD,
1h and 1d, over a range fetched from the simulator's REST; every file hashes to its manifest and holds
the lake's rows; a later job over the same partitions (the dump replacing the REST candles) changes
the lake but not the dataset, which still verifies; the same request again is the same dataset; a
range with a part not stored is refused with the missing intervals and the plan; deleting keeps what
another dataset shares; and verify finds an object changed behind the system's back."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from datetime import datetime

import aiohttp
import orjson
import polars as pl
import pyarrow.parquet as pq
import pytest

from shared.exports.manifest import object_key
from shared.lake.reading import read_years
from shared.lake.storage import open_storage
from shared.lake.timeframes import to_ms
from tests.integration.client import get_json, run_job
from tests.integration.servers import S3_CREDENTIALS, moto_bucket
from tests.integration.system import isolated_system
from tests.integration.times import iso

SIM_NOW = "2026-10-01T20:00:00Z"
START, END = datetime.fromisoformat("2026-09-20T00:00:00+00:00"), datetime.fromisoformat("2026-10-01T00:00:00+00:00")
PAIRS, TIMEFRAMES = ["BTC/USD", "ETH/USD"], ["1h", "1d"]
REQUEST = {"name": "btc-eth", "exchange": "kraken", "symbols": PAIRS, "timeframes": TIMEFRAMES,
           "start_timestamp": iso(START), "end_timestamp": iso(END)}
DONE: dict = {}  # what one test leaves for the next, per lake


@pytest.fixture(scope="module")
async def dump_sim(tmp_path_factory):
    from tests.kraken_sim import running_simulator

    async with running_simulator(seed=5, now=SIM_NOW, rate_limit=None) as sim:
        sim.dump_folder = tmp_path_factory.mktemp("ohlcvt")
        sim.write_dumps(sim.dump_folder, names=("Kraken_OHLCVT.zip",), pairs=PAIRS, intervals=(60, 1440),
                        start="2026-09-01T00:00:00Z")
        yield sim


@contextlib.contextmanager
def environment(values: dict[str, str]):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture(scope="module", params=["local", "s3"])
async def lake(request, dump_sim, tmp_path_factory):
    """(the system, its storage as this test reads it)."""
    dumps = {"KRAKEN_OHLCVT_SOURCE": str(dump_sim.dump_folder), "BATCH_ROWS": "5000"}
    if request.param == "local":
        async with isolated_system(dump_sim.url, tmp_path_factory, **dumps) as system:
            yield system, open_storage(system.env["STORAGE_URL"])
        return
    with moto_bucket("datasets") as (endpoint, _), environment(S3_CREDENTIALS):
        async with isolated_system(dump_sim.url, tmp_path_factory, STORAGE_URL="s3://datasets/lake",
                                   S3_ENDPOINT_URL=endpoint, **dumps, **S3_CREDENTIALS) as system:
            yield system, open_storage("s3://datasets/lake", endpoint)


async def call(api: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict | bytes, dict]:
    async with aiohttp.ClientSession() as http, http.request(method, f"{api}{path}", json=body) as resp:
        raw = await resp.read()
        data = orjson.loads(raw) if resp.content_type == "application/json" else raw
        return resp.status, data, resp.headers.copy()


async def dataset_events(system, dataset_id: str, count: int) -> list[dict]:
    """The first `count` events on datasets.<id>, from the DATASETS stream."""
    import nats

    nc = await nats.connect(system.env["NATS_URL"])
    try:
        sub = await nc.jetstream().subscribe(f"datasets.{dataset_id}", ordered_consumer=True)
        return [orjson.loads((await sub.next_msg(timeout=10)).data) for _ in range(count)]
    finally:
        await nc.close()


async def lake_table(storage, symbol: str, timeframe: str) -> list[dict]:
    rows = []
    async for _, _, table in read_years(storage, "kraken", symbol, timeframe, to_ms(START), to_ms(END)):
        rows += table.to_pylist()
    return rows


async def fetch_all(api: str, seed_from_zip: bool) -> list[dict]:
    views = []
    for symbol in PAIRS:
        for timeframe in TIMEFRAMES:
            view, _ = await run_job(api, {"exchange": "kraken", "symbol": symbol, "timeframe": timeframe,
                                          "start_timestamp": iso(START), "end_timestamp": iso(END),
                                          "options": {"seed_from_zip": seed_from_zip}})
            assert view["status"] == "completed", view
            views.append(view)
    return views


async def test_a_dataset_freezes_the_lakes_rows_and_hashes(lake):
    (system, storage), api = lake, lake[0].api
    await fetch_all(api, seed_from_zip=False)
    status, body, headers = await call(api, "POST", "/api/datasets", REQUEST)
    assert status == 201 and body["created"], body
    dataset = body["dataset"]
    assert headers["Location"] == f"/api/datasets/{dataset['id']}" and dataset["name"] == "btc-eth"
    files = dataset["manifest"]["files"]
    assert [(f["symbol"], f["timeframe"]) for f in files] == [(s, t) for s in PAIRS for t in TIMEFRAMES]
    for f in files:
        status, data, headers = await call(api, "GET", f"/api/datasets/{dataset['id']}/files/{f['name']}")
        assert status == 200 and hashlib.sha256(data).hexdigest() == f["sha256"] and "describedby" in headers["Link"]
        assert await storage.read(object_key(f["sha256"])) == data  # the object, content-addressed
        want = await lake_table(storage, f["symbol"], f["timeframe"])
        got = pq.read_table(io.BytesIO(data))
        assert got.to_pylist() == want and f["rows"] == len(want) > 5
        assert f["sources"] == {"zip": 0, "trades": 0, "rest": len(want)}
        assert (f["first_ts"], f["last_ts"]) == (iso(want[0]["ts"]), iso(want[-1]["ts"]))
        # The file carries its quality report, as every export does; polars reads it as it is.
        report = orjson.loads(got.schema.metadata[b"candles.quality"])
        assert report["complete"] and {s["source"] for s in report["intervals"]} == {"rest"}
        assert pl.read_parquet(io.BytesIO(data)).height == len(want)
        quality = dataset["manifest"]["quality"][f["name"]]
        assert quality["intervals"] == report["intervals"] and quality["validation"] == report["validation"]
    manifest = dataset["manifest"]
    assert manifest["request"]["symbols"] == PAIRS and manifest["project_version"]
    assert [c["name"] for c in manifest["parquet_schema"]][:2] == ["ts", "open"]
    assert all(len(s.splitlines()) <= 3 for s in dataset["snippets"].values())
    for library, height in (("polars", lambda df: df.height), ("pandas", len)):
        scope = {}
        exec(dataset["snippets"][library], scope)  # the snippet as given, against the API's file URLs
        assert {k: height(v) for k, v in scope["frames"].items()} == {f["name"][:-8]: f["rows"] for f in files}

    # The same request again, under another name: the same dataset.
    status, again, _ = await call(api, "POST", "/api/datasets", REQUEST | {"name": "again", "symbols": PAIRS[::-1]})
    assert status == 200 and not again["created"] and again["dataset"]["id"] == dataset["id"], again
    assert again["dataset"]["names"] == ["btc-eth", "again"]
    (created,) = await dataset_events(system, dataset["id"], 1)
    assert (created["type"], created["dataset_id"], created["data"]["rows"]) == (
        "dataset.created", dataset["id"], sum(f["rows"] for f in files))
    DONE[system.api] = {"dataset": dataset, "bytes": {f["name"]: f["sha256"] for f in files}}


async def test_a_later_job_rewriting_the_partitions_leaves_the_dataset_as_it_was(lake):
    (system, storage), api = lake, lake[0].api
    first = DONE[api]["dataset"]
    before = {t: await lake_table(storage, "BTC/USD", t) for t in TIMEFRAMES}
    await fetch_all(api, seed_from_zip=True)  # the dump now replaces the REST candles, partition by partition
    after = {t: await lake_table(storage, "BTC/USD", t) for t in TIMEFRAMES}
    assert {r["source"] for t in TIMEFRAMES for r in after[t]} == {"zip"} and after != before

    status, verified, _ = await call(api, "POST", f"/api/datasets/{first['id']}/verify", {})
    assert status == 200 and verified["ok"] and all(f["ok"] for f in verified["files"]), verified
    for f in first["manifest"]["files"]:
        status, data, _ = await call(api, "GET", f"/api/datasets/{first['id']}/files/{f['name']}")
        assert hashlib.sha256(data).hexdigest() == DONE[api]["bytes"][f["name"]]
        assert {r["source"] for r in pq.read_table(io.BytesIO(data)).to_pylist()} == {"rest"}
    _, event = await dataset_events(system, first["id"], 2)  # the same content asked again sent none
    assert event["type"] == "dataset.verified" and event["data"]["ok"] and event["data"]["failed"] == []
    view = await get_json(api, f"/api/datasets/{first['id']}")
    assert view["verified_ok"] is True and view["manifest"] == first["manifest"]

    # The same request over the new content is a new dataset; the first one is still there.
    status, body, _ = await call(api, "POST", "/api/datasets", REQUEST | {"name": "from-the-dump"})
    assert status == 201 and body["dataset"]["id"] != first["id"], body
    assert {f["sources"]["zip"] > 0 for f in body["dataset"]["manifest"]["files"]} == {True}
    DONE[api]["second"] = body["dataset"]


async def test_a_range_with_a_part_not_stored_is_refused_with_the_missing_intervals_and_the_plan(lake):
    api = lake[0].api
    earlier = "2026-09-18T00:00:00Z"
    status, body, _ = await call(api, "POST", "/api/datasets", REQUEST | {"start_timestamp": earlier})
    assert status == 409 and body["error"] == "incomplete" and body["field"] == "start_timestamp", body
    assert body["missing"] == [{"symbol": s, "timeframe": t, "start": earlier, "end": iso(START)}
                               for s in PAIRS for t in TIMEFRAMES]
    plan = body["plan"]
    assert plan["dry_run"] and (plan["symbol"], plan["timeframe"]) == ("BTC/USD", "1h")
    assert plan["plan"]["segments"][0]["start_timestamp"] == earlier and plan["plan"]["segments"][-1]["kind"] == "covered"
    status, body, _ = await call(api, "POST", "/api/datasets",
                                 REQUEST | {"start_timestamp": earlier, "options": {"require": "any"}})
    assert status == 201 and not body["dataset"]["manifest"]["quality"]["BTC-USD_1h.parquet"]["complete"], body


async def test_datasets_are_listed_in_pages_and_deleted_keeping_shared_files(lake):
    (_, storage), api = lake, lake[0].api
    first, second = DONE[api]["dataset"], DONE[api]["second"]
    page = await get_json(api, "/api/datasets?limit=2")
    assert len(page["datasets"]) == 2 and page["next"]
    rest = await get_json(api, f"/api/datasets?limit=2&before={page['next']}")
    ids = [d["id"] for d in page["datasets"] + rest["datasets"]]
    assert rest["next"] is None and len(ids) == len(set(ids)) == 3 and {first["id"], second["id"]} <= set(ids)
    # The 1d files of the dump's content are the same bytes in the third dataset (its 1d range is unchanged).
    status, body, _ = await call(api, "DELETE", f"/api/datasets/{second['id']}", {})
    shared = {f["sha256"] for d in await datasets_besides(api, second["id"]) for f in d["manifest"]["files"]}
    own = {f["sha256"] for f in second["manifest"]["files"]}
    assert status == 200 and body == {"deleted": second["id"], "files_removed": len(own - shared)}, body
    for sha in own:
        assert await storage.exists(object_key(sha)) == (sha in shared)
    status, body, _ = await call(api, "GET", f"/api/datasets/{second['id']}")
    assert status == 404 and body["field"] == "id"

    # An object changed behind the system's back: verify names the file.
    damaged = first["manifest"]["files"][1]
    await storage.write_atomic(object_key(damaged["sha256"]), b"PAR1 not the frozen bytes")
    status, verified, _ = await call(api, "POST", f"/api/datasets/{first['id']}/verify", {})
    assert status == 200 and not verified["ok"], verified
    assert [f["name"] for f in verified["files"] if not f["ok"]] == [damaged["name"]]
    assert (await get_json(api, f"/api/datasets/{first['id']}"))["verified_ok"] is False
    status, body, _ = await call(api, "GET", "/api/datasets/not-an-id")
    assert status == 400 and body["field"] == "id"


async def datasets_besides(api: str, gone: str) -> list[dict]:
    page = await get_json(api, "/api/datasets?limit=50")
    return [await get_json(api, f"/api/datasets/{d['id']}") for d in page["datasets"] if d["id"] != gone]
