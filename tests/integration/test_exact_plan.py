"""The exact cost plan against the simulator: a fetch job's Trades calls, counted before it runs from
Kraken's own OHLC trade counts, are the calls the job then makes, over ranges with bursts (over a
thousand trades in a minute) and quiet hours (none); the plan never says "unknown"; a second dry run
asks Kraken nothing; and a trading-history dump is a segment of its own, wherever it lies in the range."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp
import numpy as np
import pytest

from tests.integration.client import run_job
from tests.integration.system import isolated_system
from tests.integration.times import NOW, iso, ns

Q3 = "Kraken_Trading_History_Q3_2026.zip"
Q3_START, Q3_END = datetime.fromisoformat("2026-07-01T00:00:00+00:00"), datetime.fromisoformat("2026-10-01T00:00:00+00:00")
# One range the 1h counts reach (ending before REST's 720 minutes), one only the 1d counts reach.
RANGES = [(datetime.fromisoformat("2026-11-12T03:17:00+00:00"), NOW - timedelta(hours=14, minutes=55)),
          (datetime.fromisoformat("2026-10-03T05:00:00+00:00"), datetime.fromisoformat("2026-10-17T00:00:00+00:00"))]


@pytest.fixture(scope="module")
async def counted(simulator, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trading-history")
    # The file is named for the whole quarter, and so holds it for the planner and the rebuilder; its rows
    # start two days before the quarter's end, to keep the rebuild over it small.
    simulator.write_dumps(folder, names=(Q3,), pairs=["BTC/USD"], start="2026-09-29T00:00:00Z")
    async with isolated_system(simulator.url, tmp_path_factory, KRAKEN_TRADES_SOURCE=str(folder),
                               REBUILD_CONFIRM_CALLS="100000") as system:
        yield system


def fetch_request(start: datetime, end: datetime, **options) -> dict:
    return {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m", "start_timestamp": iso(start),
            "end_timestamp": iso(end), "options": {"seed_from_zip": False, **options}}


async def dry_run(api: str, payload: dict) -> dict:
    payload = payload | {"options": payload["options"] | {"dry_run": True}}
    async with aiohttp.ClientSession() as http, http.post(f"{api}/api/data-jobs", json=payload) as resp:
        body = await resp.json()
    assert resp.status == 200, body
    return body


def trades_calls(plan: dict) -> int:
    return sum(s["calls"] for s in plan["segments"] if s["kind"] == "trades")


def bursty(simulator, start: datetime, end: datetime) -> bool:
    """The range holds an hour without a trade and a minute with more than a thousand."""
    t = simulator.trades("BTC/USD", ns(start), ns(end))
    offsets = (t.ts_ns - ns(start)) // 10**9
    hours = np.bincount(offsets // 3600, minlength=int((end - start).total_seconds()) // 3600)
    return hours.min() == 0 and np.bincount(offsets // 60).max() > 1000


@pytest.mark.parametrize("start, end", RANGES, ids=["1h-counts", "1d-counts"])
async def test_the_dry_runs_trades_calls_are_the_calls_the_job_makes(counted, simulator, start, end):
    assert bursty(simulator, start, end)
    payload = fetch_request(start, end)
    preview = await dry_run(counted.api, payload)
    segments = preview["plan"]["segments"]
    assert [s["kind"] for s in segments] == ["trades"] and preview["count_calls"] >= 1
    assert all("unknown" not in s["note"] for s in segments), segments
    real = simulator.trades("BTC/USD", ns(start), ns(end)).n
    assert abs(segments[0]["trades"] - real) <= max(0.05 * real, 1), (segments[0], real)

    # Asked again: the same plan, and no call of any kind (the counts are kept, the clock not needed).
    before = simulator.stats()
    again = await dry_run(counted.api, payload)
    assert simulator.stats() == before and again["count_calls"] == 0 and again["plan"] == preview["plan"]

    view, _ = await run_job(counted.api, payload)
    assert view["status"] == "completed", (view, counted.logs())
    after = simulator.stats()
    made, planned = after.get("Trades", 0) - before.get("Trades", 0), trades_calls(preview["plan"])
    print(f"exact plan {iso(start)} → {iso(end)}: {real} trades, planned {planned} Trades calls, made {made}")
    assert abs(made - planned) <= max(2, 0.05 * made), (planned, made)
    # The job planned from the kept counts too: no OHLC call, and its stored plan is the dry run's.
    assert after.get("OHLC", 0) == before.get("OHLC", 0)
    assert trades_calls(view["result"]["plan"]) == planned


async def test_a_range_inside_the_trading_history_dump_is_its_segment_naming_the_file(counted):
    """Bug 7: such a range showed "about 0 trades, 1 call" and never named the dump."""
    # A rebuild (here an hour before the quarter) caches the dump, as every rebuild syncs the dumps first.
    early = Q3_START - timedelta(days=20)
    view, _ = await run_job(counted.api, {"job_type": "trade_rebuild", "exchange": "kraken", "symbol": "BTC/USD",
                                          "timeframe": "1m", "start_timestamp": iso(early),
                                          "end_timestamp": iso(early + timedelta(hours=1)), "options": {"timeframes": []}})
    assert view["status"] == "completed", view
    preview = await dry_run(counted.api, fetch_request(Q3_START + timedelta(days=40), Q3_START + timedelta(days=42)))
    (segment,) = preview["plan"]["segments"]
    assert (segment["kind"], segment["dump"], segment["member"], segment["calls"]) == ("trades", Q3, "XBTUSD.csv", 0)
    assert Q3 in segment["note"] and preview["calls"] == 0


async def test_a_dump_in_the_middle_of_the_range_is_used_too(counted, simulator):
    """Bug 8: a rebuild across a cached quarter in its middle was costed (and paged) as if it had none."""
    start, end = Q3_START - timedelta(days=2), Q3_END + timedelta(days=1)
    payload = fetch_request(start, end)
    preview = await dry_run(counted.api, payload)
    segments = preview["plan"]["segments"]
    assert [(s["kind"], s["dump"]) for s in segments] == [("trades", None), ("trades", Q3), ("trades", None)]
    assert (segments[1]["start_timestamp"], segments[1]["end_timestamp"]) == (iso(Q3_START), iso(Q3_END))
    outside = simulator.trades("BTC/USD", ns(start), ns(Q3_START)).n + simulator.trades("BTC/USD", ns(Q3_END), ns(end)).n
    assert trades_calls(preview["plan"]) <= outside // 1000 + 4  # the quarter's trades cost none
    before = simulator.stats().get("Trades", 0)
    view, _ = await run_job(counted.api, payload)
    assert view["status"] == "completed", (view, counted.logs())
    made = simulator.stats().get("Trades", 0) - before
    print(f"exact plan across {Q3}: planned {trades_calls(preview['plan'])} Trades calls, made {made}")
    assert abs(made - trades_calls(preview["plan"])) <= 2


async def test_a_plan_with_nothing_to_do_says_so(counted):
    """Bug 4: a 1d range inside today holds no closed candle; the dry run says so rather than a silent 0."""
    today = NOW.replace(hour=0, minute=0)
    body = await dry_run(counted.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1d",
                                       "start_timestamp": iso(today), "end_timestamp": iso(NOW), "options": {}})
    assert body["nothing_to_do"] is True and body["plan"]["segments"] == [] and not body["needs_confirm"]
    assert body["message"] == "Nothing to do: the range holds no whole 1d candle that has closed"
    held = await dry_run(counted.api, fetch_request(*RANGES[0]))  # fetched by the first test
    assert held["nothing_to_do"] is True and held["message"] == "Nothing to do: the lake holds the whole range already"
    busy = await dry_run(counted.api, fetch_request(NOW - timedelta(days=26), NOW - timedelta(days=25)))
    assert busy["nothing_to_do"] is False and busy["message"].startswith("1 segment(s)")


async def test_a_trade_rebuild_reads_a_dump_in_the_middle_of_its_range(counted, simulator):
    """Bug 8 for a rebuild job itself: the quarter in its middle is read from the file, the parts around
    it paged from Kraken, as its estimate said; every trade of the range once."""
    start, end = Q3_START - timedelta(hours=6), Q3_END + timedelta(hours=5)  # the file's rows: from 09-29 on
    payload = {"job_type": "trade_rebuild", "exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h",
               "start_timestamp": iso(start), "end_timestamp": iso(end), "options": {"timeframes": []}}
    preview = await dry_run(counted.api, payload)
    estimate = preview["estimate"]
    assert [p["file"] for p in estimate["dump_parts"]] == [Q3] and estimate["dump_part"] is None
    outside = [simulator.trades("BTC/USD", ns(start), ns(Q3_START)).n, simulator.trades("BTC/USD", ns(Q3_END), ns(end)).n]
    # Both parts lie in days the 1d counts reach and cut: each counts its day's share in proportion.
    cut_days = [simulator.trades("BTC/USD", ns(d), ns(d + timedelta(days=1))).n for d in (Q3_START - timedelta(days=1), Q3_END)]
    assert abs(estimate["trades"] - sum(outside)) <= sum(cut_days), (estimate, outside, cut_days)
    assert estimate["calls"] == sum(n // 1000 + 1 for n in outside)  # one paging before the file, one after
    before = simulator.stats().get("Trades", 0)
    view, events = await run_job(counted.api, payload)
    assert view["status"] == "completed", (view, counted.logs())
    made = simulator.stats().get("Trades", 0) - before
    fetched = next(e["data"] for e in events if e["type"] == "job.fetched")
    in_file = simulator.trades("BTC/USD", ns(Q3_END - timedelta(days=2)), ns(Q3_END)).n
    assert fetched["dump_trades"] == in_file and fetched["trades"] == in_file + sum(outside)
    print(f"exact plan of a rebuild across {Q3}: planned {estimate['calls']} Trades calls, made {made}")
    assert abs(made - estimate["calls"]) <= 2
