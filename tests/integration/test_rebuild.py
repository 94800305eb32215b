"""Trade rebuilds through the system: exact paging through bursts, candles equal to the simulator's
own, a bounded number of Trades calls, and a rebuilder killed mid-job that resumes from its cursor."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta

from tests.integration.client import follow, get_json, lake_rows, submit
from tests.integration.test_end_to_end import NOW, iso, truth

MINUTES = {"1m": 1, "5m": 5, "15m": 15, "1h": 60}


def rebuilt(rows: list[dict], start: datetime, end: datetime) -> list[tuple]:
    return [(int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"], r["vwap"],
             r["trades"]) for r in rows
            if r["source"] == "trades" and start.timestamp() <= r["ts"].timestamp() < end.timestamp()]


def close_enough(got: list[tuple], want: list[tuple]) -> bool:
    """Prices, counts and times exactly; volume and vwap to 1e-12 relative (sums of floats)."""
    if [g[:5] + g[7:] for g in got] != [w[:5] + w[7:] for w in want]:
        return False
    return all(math.isclose(g[i], w[i], rel_tol=1e-12) for g, w in zip(got, want, strict=True) for i in (5, 6))


async def _rebuild(system, symbol: str, start: datetime, end: datetime, on_event=None) -> tuple[dict, list[dict]]:
    job = await submit(system.api, {"job_type": "trade_rebuild", "exchange": "kraken", "symbol": symbol,
                                    "timeframe": "1m", "start_timestamp": iso(start), "end_timestamp": iso(end),
                                    "options": {"timeframes": ["5m", "15m", "1h"]}})
    events = await follow(system.api, job["id"], on_event=on_event)
    return await get_json(system.api, f"/api/data-jobs/{job['id']}"), events


async def test_rebuild_equals_kraken_candles_for_every_timeframe(system, simulator):
    start, end = NOW - timedelta(hours=6), NOW - timedelta(hours=1)
    trades = simulator.trades("ETH/USD", int(start.timestamp() * 1e9), int(end.timestamp() * 1e9))
    calls_before = simulator.stats().get("Trades", 0)
    view, events = await _rebuild(system, "ETH/USD", start, end)
    assert view["status"] == "completed", view
    calls = simulator.stats().get("Trades", 0) - calls_before
    assert calls <= math.ceil(len(trades.ts) / 1000) + 1, (calls, len(trades.ts))
    for tf, minutes in MINUTES.items():
        assert close_enough(rebuilt(lake_rows(system.lake, "ETH/USD", tf), start, end),
                            truth(simulator, "ETH/USD", minutes, start, end)), tf


async def test_rebuilder_killed_mid_job_resumes_from_its_cursor(system, simulator):
    start, end = NOW - timedelta(hours=11), NOW - timedelta(hours=7)
    killed: list[int] = []

    async def kill_once(event: dict) -> None:
        if event["type"] == "job.progress" and not killed and event["data"].get("calls", 0) >= 2:
            system.kill("rebuilder")
            killed.append(event["data"]["calls"])
            await asyncio.sleep(0.5)
            system.start("rebuilder")

    calls_before = simulator.stats().get("Trades", 0)
    view, events = await _rebuild(system, "BTC/USD", start, end, on_event=kill_once)
    assert killed and view["status"] == "completed", view
    assert any(e["type"] == "job.started" and e["data"].get("resumed") for e in events)
    calls = simulator.stats().get("Trades", 0) - calls_before
    trades = simulator.trades("BTC/USD", int(start.timestamp() * 1e9), int(end.timestamp() * 1e9))
    uninterrupted = math.ceil(len(trades.ts) / 1000) + 1
    assert calls <= 1.1 * uninterrupted + 1, (calls, uninterrupted)
    for tf, minutes in MINUTES.items():
        assert close_enough(rebuilt(lake_rows(system.lake, "BTC/USD", tf), start, end),
                            truth(simulator, "BTC/USD", minutes, start, end)), tf
