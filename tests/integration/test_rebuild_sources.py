"""A rebuild that starts in Kraken's trading-history dump and hands over to the Trades API exactly at
the dump's end; raw trades kept as Parquet; rebuilt candles checked against Kraken's own OHLC; and the
cost estimate with its confirm step; and a rebuilder killed in the middle of the dump."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta

import aiohttp
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests.integration.candles import truth
from tests.integration.client import follow, get_json, lake_rows, run_job, submit
from tests.integration.rebuilds import MINUTES, close_enough, rebuild_request, rebuilt
from tests.integration.system import isolated_system
from tests.integration.times import CUTOFF, NOW, iso, ns

CONFIRM_CALLS = 30
CHUNK_ROWS = 200  # dump rows per checkpointed step: a two-day import takes a couple of dozen


@pytest.fixture(scope="module")
async def dumped(simulator, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trades-dump")
    simulator.write_dumps(folder, names=("Kraken_Trading_History_Q3_2026.zip",), pairs=["BTC/USD"],
                          start="2026-09-29T00:00:00Z")
    async with isolated_system(simulator.url, tmp_path_factory, KRAKEN_TRADES_SOURCE=str(folder),
                               REBUILD_CONFIRM_CALLS=str(CONFIRM_CALLS), REBUILD_DUMP_CHUNK_ROWS=str(CHUNK_ROWS)) as system:
        yield system


def trade_files(system) -> pa.Table:
    folder = system.lake / "trades" / "exchange=kraken" / "symbol=BTC-USD"
    return ds.dataset(folder, format="parquet", partitioning="hive").to_table()


async def test_dump_then_api_hand_over_exactly_at_the_dump_end(dumped, simulator):
    start, end = CUTOFF - timedelta(hours=12), CUTOFF + timedelta(hours=6)
    in_dump = simulator.trades("BTC/USD", ns(start), ns(CUTOFF)).n
    from_api = simulator.trades("BTC/USD", ns(CUTOFF), ns(end)).n
    calls_before = simulator.stats().get("Trades", 0)
    view, events = await run_job(dumped.api, rebuild_request(start, end, include_trades=True))
    assert view["status"] == "completed", (view, dumped.logs())
    fetched = next(e["data"] for e in events if e["type"] == "job.fetched")
    assert fetched["dump_trades"] == in_dump and fetched["trades"] == in_dump + from_api
    calls = simulator.stats().get("Trades", 0) - calls_before
    assert 1 <= calls <= math.ceil(from_api / 1000) + 1, (calls, from_api)
    assert any("dump covers up to 2026-10-01T00:00:00Z" in e["data"]["text"] for e in events
               if e["type"] == "job.message")
    for tf, minutes in MINUTES.items():
        assert close_enough(rebuilt(lake_rows(dumped.lake, "BTC/USD", tf), start, end),
                            truth(simulator, "BTC/USD", minutes, start, end)), tf

    # include_trades: every trade once, dump rows (whole seconds, no id) then API rows (with ids).
    folder = dumped.lake / "trades" / "exchange=kraken" / "symbol=BTC-USD"
    table = trade_files(dumped).sort_by("ts")
    assert table.num_rows == in_dump + from_api == fetched["trades_written"]
    ts = table.column("ts").cast("int64").to_pylist()
    want = simulator.trades("BTC/USD", ns(start), ns(end))
    assert [t // 10**9 for t in ts] == [int(t) // 10**9 for t in want.ts_ns]
    ids = [i for i in table.column("trade_id").to_pylist() if i is not None]
    assert len(ids) == len(set(ids)) == from_api
    assert {p.name.split("=")[1] for p in folder.iterdir()} == {"2026-09-30", "2026-10-01"}


async def test_rebuilt_candles_are_checked_against_krakens_ohlc(dumped, simulator):
    start, end = NOW - timedelta(hours=6), NOW - timedelta(hours=1)
    view, events = await run_job(dumped.api, rebuild_request(start, end))
    assert view["status"] == "completed", view
    checks = view["result"]["comparisons"]["with_kraken_ohlc"]
    for tf, minutes in MINUTES.items():
        candles = len(truth(simulator, "BTC/USD", minutes, start, end))
        assert checks[tf]["compared"] == candles and checks[tf]["differing"] == 0, (tf, checks[tf])
    assert any(e["data"]["text"].startswith("1h: 5 of 5 candles match Kraken's OHLC") for e in events
               if e["type"] == "job.message")


async def test_an_expensive_rebuild_needs_confirming_and_a_dry_run_shows_its_cost(dumped, simulator):
    start, end = NOW - timedelta(days=30), NOW - timedelta(days=10)
    real = simulator.trades("BTC/USD", ns(start), ns(end)).n
    payload = rebuild_request(start, end)
    payload["options"].pop("confirm")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{dumped.api}/api/data-jobs", json=payload | {
                "options": payload["options"] | {"dry_run": True}}) as resp:
            preview = await resp.json()
        assert resp.status == 200, preview
        estimate = preview["estimate"]
        # Read from Kraken's 1d and 1h counts: exact but for the half day the 1d bucket at the start splits.
        assert preview["needs_confirm"] and estimate["counted_from"] == ["1h", "1d"]
        assert abs(estimate["trades"] - real) <= 0.05 * real, (estimate, real)
        assert estimate["calls"] == estimate["trades"] // 1000 + 1
        ohlc_calls = simulator.stats().get("OHLC", 0)
        async with http.post(f"{dumped.api}/api/data-jobs", json=payload | {
                "options": payload["options"] | {"dry_run": True}}) as resp:
            again = await resp.json()
        # The counts are kept: asked again, the same estimate, and no OHLC call.
        assert again["estimate"]["ohlc_calls"] == 0 and simulator.stats().get("OHLC", 0) == ohlc_calls
        assert again["estimate"]["trades"] == estimate["trades"]
        async with http.post(f"{dumped.api}/api/data-jobs", json=payload) as resp:
            refused = await resp.json()
        assert resp.status == 422 and refused["field"] == "options.confirm", refused
        assert f"about {estimate['calls']} Kraken calls" in refused["reason"], refused
    jobs = await get_json(dumped.api, "/api/data-jobs?limit=500")
    assert all(j["start_timestamp"] != iso(start) for j in jobs)  # neither created a job


async def test_a_rebuilder_killed_mid_dump_resumes_and_overlapping_trade_files_hold_each_trade_once(dumped, simulator):
    # From the dump's first day, so the import takes many checkpointed steps; it overlaps the range of
    # the first test, whose trade files must end up merged, not doubled.
    start, end = datetime.fromisoformat("2026-09-29T00:00:00+00:00"), CUTOFF + timedelta(hours=2)
    in_dump = simulator.trades("BTC/USD", ns(start), ns(CUTOFF)).n
    killed: list[int] = []

    async def kill_once(event: dict) -> None:
        if event["type"] == "job.progress" and not killed and event["data"].get("dump_trades", 0) >= 2 * CHUNK_ROWS:
            dumped.kill("rebuilder")
            killed.append(event["data"]["dump_trades"])
            await asyncio.sleep(0.5)
            dumped.start("rebuilder")

    calls_before = simulator.stats().get("Trades", 0)
    job = await submit(dumped.api, rebuild_request(start, end, include_trades=True))
    events = await follow(dumped.api, job["id"], on_event=kill_once)
    view = await get_json(dumped.api, f"/api/data-jobs/{job['id']}")
    assert killed and killed[0] < in_dump and view["status"] == "completed", (killed, view, dumped.logs())
    assert any(e["type"] == "job.started" and e["data"].get("resumed") for e in events)
    fetched = next(e["data"] for e in events if e["type"] == "job.fetched")
    from_api = simulator.trades("BTC/USD", ns(CUTOFF), ns(end)).n
    assert (fetched["dump_trades"], fetched["trades"]) == (in_dump, in_dump + from_api)
    assert simulator.stats().get("Trades", 0) - calls_before <= math.ceil(from_api / 1000) + 1
    for tf, minutes in MINUTES.items():
        assert close_enough(rebuilt(lake_rows(dumped.lake, "BTC/USD", tf), start, end),
                            truth(simulator, "BTC/USD", minutes, start, end)), tf

    # Both jobs' trades, [29 Sep, 1 Oct 06:00), each once: this job's dump rows replaced the first job's.
    table = trade_files(dumped).sort_by("ts")
    want = simulator.trades("BTC/USD", ns(start), ns(CUTOFF + timedelta(hours=6)))
    assert [t // 10**9 for t in table.column("ts").cast("int64").to_pylist()] == [int(t) // 10**9 for t in want.ts_ns]
