"""Batch requests against the simulator: a full history at 1m longer than MAX_RANGE_DAYS, two markets at
three timeframes whose trades are paged once per market, and a batch cancelled and resumed."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import aiohttp
import numpy as np
import pytest

from tests.integration.candles import truth
from tests.integration.client import act, follow, get_json, lake_rows, run_job, submit
from tests.integration.system import isolated_system
from tests.integration.times import iso

# The simulator's clock: 18 hours into a quarter, so the dump ends at its start (the cut-off), REST's 720
# minutes start at 06:01 and six hours of trades lie between.
SIM_NOW = "2025-01-01T18:00:00Z"
NOW = datetime.fromisoformat(SIM_NOW.replace("Z", "+00:00"))
# A BTC/USD that trades rarely but since mid-2019: a full history of 2041 days, longer than the 1830 days
# of 1m, and cheap (about 26,000 one-minute rows in its dump).
LISTED = datetime.fromisoformat("2019-06-01T00:00:00+00:00")
CUTOFF = datetime.fromisoformat("2025-01-01T00:00:00+00:00")
MARKETS = '["BTC/USD", "ETH/USD", "BTC/USDC"]'


@pytest.fixture(scope="module")
async def sim(tmp_path_factory):
    from tests.kraken_sim import running_simulator
    from tests.kraken_sim.pairs import PAIRS, Catalogue

    sparse = replace(PAIRS[0], listed_s=int(LISTED.timestamp()), trades_per_day=40)
    async with running_simulator(seed=3, now=SIM_NOW, rate_limit=None,
                                 catalogue=Catalogue((sparse, *PAIRS[1:]))) as sim:
        sim.dump_folder = tmp_path_factory.mktemp("ohlcvt")
        sim.write_dumps(sim.dump_folder, pairs=["BTC/USD"], intervals=(1,))
        yield sim


@pytest.fixture(scope="module")
async def stack(sim, tmp_path_factory):
    async with isolated_system(sim.url, tmp_path_factory, KRAKEN_OHLCVT_SOURCE=str(sim.dump_folder),
                               ENABLED_MARKETS=MARKETS, BATCH_ROWS="5000") as system:
        for _ in range(150):  # the market list syncs at start: BTC/USDC takes jobs from then on
            if "BTC/USDC" in {m["symbol"] for m in await get_json(system.api, "/api/markets?exchange=kraken")}:
                break
            await asyncio.sleep(0.2)
        yield system


async def post(api: str, payload: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.post(f"{api}/api/data-jobs", json=payload) as resp:
        return resp.status, await resp.json()


def children(view: dict, job_type: str | None = None) -> list[dict]:
    return [c for c in view["result"]["children"] if job_type in (None, c["job_type"])]


async def test_a_full_history_at_1m_is_a_batch_of_pieces_within_the_maximum_and_completes(stack, sim):
    request = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m", "end_timestamp": iso(NOW),
               "options": {"full_history": True}}
    status, plan = await post(stack.api, request | {"options": {"full_history": True, "dry_run": True}})
    assert status == 200 and plan["job_type"] == "batch", plan
    pieces = [c for c in plan["children"] if c["job_type"] == "fetch"]
    assert len(pieces) == 2 and pieces[0]["end_timestamp"] == pieces[1]["start_timestamp"]
    assert pieces[0]["start_timestamp"] <= iso(LISTED + timedelta(days=7)) and pieces[1]["end_timestamp"] == iso(NOW)
    assert plan["totals"]["calls"] == sum(c["calls"] for c in plan["children"])

    view, events = await run_job(stack.api, request | {"options": {"full_history": True, "confirm": True}})
    assert view["status"] == "completed", (view, stack.logs())
    assert {c["status"] for c in children(view)} == {"completed"} and len(children(view, "fetch")) == 2
    (rebuild,) = children(view, "trade_rebuild")  # the six hours between the dump and REST
    assert rebuild["timeframes"] == ["1m"]
    assert any(e["type"] == "child.progress" for e in events) and view["progress"] == 1.0
    # Gap-free and nothing extra: a candle in every minute that had a trade, from the first to the last.
    got = [r for r in lake_rows(stack.lake, "BTC/USD", "1m") if r["ts"] < NOW]
    trades = sim.trades("XBTUSD", int(LISTED.timestamp() * 1e9), int(NOW.timestamp() * 1e9))
    minutes = np.unique(trades.ts_ns // 60_000_000_000) * 60_000
    assert [int(r["ts"].timestamp() * 1000) for r in got] == minutes.tolist() and len(got) > 20_000
    assert {r["source"] for r in got if r["ts"] < CUTOFF} == {"zip"}
    assert {r["source"] for r in got if r["ts"] >= CUTOFF} <= {"trades", "rest"}


def pages(sim, altname: str, start: datetime, end: datetime) -> int:
    """The Trades calls one paging of [start, end) takes: a page per 1,000 trades, and the one that
    reaches the end."""
    return sim.trades(altname, int(start.timestamp() * 1e9), int(end.timestamp() * 1e9)).n // 1000 + 1


async def test_two_markets_at_three_timeframes_page_each_markets_trades_once(stack, sim):
    start, end = NOW - timedelta(days=10), NOW - timedelta(hours=1)
    before = sim.stats()
    view, _ = await run_job(stack.api, {
        "exchange": "kraken", "symbols": ["ETH/USD", "BTC/USDC"], "timeframes": ["1m", "5m", "15m"],
        "start_timestamp": iso(start), "end_timestamp": iso(end), "options": {"confirm": True}})
    assert view["status"] == "completed", (view, stack.logs())
    assert len(children(view, "fetch")) == 6
    rebuilds = children(view, "trade_rebuild")
    assert sorted(c["symbol"] for c in rebuilds) == ["BTC/USDC", "ETH/USD"]
    assert all(c["timeframes"] == ["1m", "5m", "15m"] for c in rebuilds), rebuilds
    # Each market's trades up to 1m's REST window (and its seam candle) were paged once, for all three.
    window = NOW.replace(second=0) - timedelta(minutes=719)
    once = {s: pages(sim, s, start, window + timedelta(minutes=1)) for s in ("ETHUSD", "XBTUSDC")}
    per_timeframe = sum(pages(sim, s, start, NOW.replace(second=0) - timedelta(minutes=m * 719))
                        for s in ("ETHUSD", "XBTUSDC") for m in (1, 5, 15))
    calls = sim.stats()["Trades"] - before.get("Trades", 0)
    assert calls == sum(once.values()) and calls < per_timeframe, (calls, once, per_timeframe)
    for symbol, minutes in (("ETH/USD", 15), ("BTC/USDC", 5)):
        want = truth(sim, symbol, minutes, start, end)
        got = [r for r in lake_rows(stack.lake, symbol, f"{minutes}m") if start <= r["ts"] < end]
        assert [int(r["ts"].timestamp() * 1000) for r in got] == [w[0] for w in want]


def work(child: dict) -> tuple:
    return child["job_type"], child["symbol"], child["start_timestamp"], child["end_timestamp"]


async def wait_for(api: str, job_id: str, ready, timeout: float = 60) -> dict:
    for _ in range(int(timeout / 0.2)):
        view = await get_json(api, f"/api/data-jobs/{job_id}")
        if ready(view):
            return view
        await asyncio.sleep(0.2)
    raise AssertionError(f"job {job_id} never got there: {view}")


async def test_a_cancelled_batch_cancels_every_child_and_its_resumption_runs_only_what_was_left(stack, sim):
    start, end = NOW - timedelta(days=60), NOW - timedelta(hours=1)
    request = {"exchange": "kraken", "symbols": ["ETH/USD", "BTC/USDC"], "timeframe": "1h",
               "start_timestamp": iso(start), "end_timestamp": iso(end), "options": {"confirm": True}}
    sim.set_faults("slow:1,slow_s=0.3")  # every call takes a while: the rebuilds are still paging
    try:
        job = await submit(stack.api, request)
        view = await wait_for(stack.api, job["id"], lambda v: v["result"]["children"] and all(
            c["status"] == "completed" for c in children(v, "fetch")))
        status, cancelled = await act(stack.api, job["id"], "cancel")
    finally:
        sim.set_faults(None)
    assert status == 200, cancelled
    left = {c["id"] for c in children(view) if c["status"] != "completed"}
    assert left and left <= set(cancelled["children_cancelled"]) | {c["id"] for c in children(view, "fetch")}
    view = await wait_for(stack.api, job["id"], lambda v: v["status"] == "cancelled" and all(
        c["status"] in ("completed", "cancelled") for c in children(v)))
    for child in children(view):
        row = await get_json(stack.api, f"/api/data-jobs/{child['id']}")
        assert row["status"] in ("completed", "cancelled") and row["parent_id"] == job["id"]
    completed = {work(c) for c in children(view) if c["status"] == "completed"}

    status, resumed = await act(stack.api, job["id"], "resume")
    assert status == 201 and resumed["resumed_from"] == job["id"], resumed
    await follow(stack.api, resumed["id"])
    again = await get_json(stack.api, f"/api/data-jobs/{resumed['id']}")
    assert again["status"] == "completed", (again, stack.logs())
    carried = {work(c) for c in children(again) if c["done_by"]}
    # What completed before is not run again: the fetch children; a rebuild that completed left nothing.
    assert {work(c) for c in children(view, "fetch")} <= carried <= completed
    ran = [c for c in children(again) if not c["done_by"]]
    assert ran and all(c["job_type"] == "trade_rebuild" for c in ran)  # only the rebuilds were left
    for symbol in ("ETH/USD", "BTC/USDC"):
        want = truth(sim, symbol, 60, start, end)
        got = [r for r in lake_rows(stack.lake, symbol, "1h") if start <= r["ts"] < end]
        assert [int(r["ts"].timestamp() * 1000) for r in got] == [w[0] for w in want], symbol
