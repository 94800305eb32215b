"""What a run left behind, read once its jobs have ended: every candle of every timeframe in the lake,
the coverage ledger without job ids and timestamps, the key figures of each job's result, and the
exchange calls it cost."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats

from shared.jobs.events.log import EventLog
from tests.integration.client import lake_rows

# The consumers whose work writes the lake and the ledger (the fetcher, the rebuilder, the writer); a
# message the coverage service still holds only projects a job view again.
STREAMS = ("JOBS", "CANDLES")
NOT_CALLS = ("faults", "rate_limited")
_LEDGER = ("SELECT exchange, symbol, timeframe, start_ts, end_ts, state, source, provisional"
           " FROM ledger_intervals ORDER BY exchange, symbol, timeframe, start_ts")


@dataclass
class Snapshot:
    candles: dict[str, list[tuple]]  # "BTC-USD/1m" -> rows in ts order, duplicates kept
    ledger: list[tuple]
    figures: dict[str, dict]         # "mixed", "rebuild" -> key figures of the job's view
    calls: dict[str, int]            # exchange calls per endpoint
    events: int                      # events stored for every job, children included


def candles_of(lake: Path) -> dict[str, list[tuple]]:
    out = {}
    for tf_dir in sorted((lake / "candles" / "exchange=kraken").glob("symbol=*/timeframe=*")):
        symbol, tf = tf_dir.parent.name.removeprefix("symbol="), tf_dir.name.removeprefix("timeframe=")
        out[f"{symbol}/{tf}"] = [
            (int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"], r["vwap"],
             r["trades"], r["source"]) for r in lake_rows(lake, symbol, tf)]
    return out


def key_figures(view: dict | None) -> dict:
    """What a job's outcome says about the data, not about how the run went (calls, times, ids)."""
    if view is None:
        return {"status": "unknown"}
    result = view.get("result") or {}
    checks = result.get("comparisons") or {}
    plan = result.get("plan") or {}
    return {
        "status": view["status"], "error": view.get("error"),
        "rows": result.get("rows"), "start": result.get("start_timestamp"), "end": result.get("end_timestamp"),
        "not_fetched": result.get("not_fetched"), "no_trade_intervals": result.get("no_trade_intervals"),
        "children": len(result.get("children") or []),
        "plan": [(s["kind"], s["start_timestamp"], s["end_timestamp"]) for s in plan.get("segments", [])],
        "with_stored": _counts(checks.get("with_stored")),
        "with_kraken_ohlc": {tf: _counts(r) for tf, r in (checks.get("with_kraken_ohlc") or {}).items()},
        "with_ohlcvt_dump": {tf: _counts(r) for tf, r in (checks.get("with_ohlcvt_dump") or {}).items()},
    }


def _counts(report: dict | None) -> tuple | None:
    return None if not report else (report.get("compared"), report.get("differing"))


def exchange_calls(stats: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in stats.items() if k not in NOT_CALLS and not k.startswith("fault:")}


async def quiescent(nats_url: str, timeout: float = 30.0) -> bool:
    """True once no consumer that writes holds a pending or unacknowledged message (a late
    redelivery could still change the lake otherwise)."""
    nc = await nats.connect(nats_url, max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        for _ in range(int(timeout / 0.25)):
            busy = 0
            for stream in STREAMS:
                for info in await js.consumers_info(stream):
                    busy += info.num_pending + info.num_ack_pending
            if busy == 0:
                return True
            await asyncio.sleep(0.25)
        return False
    finally:
        await nc.close()


async def event_count(database_url: str) -> int:
    async with asyncpg.create_pool(database_url, min_size=1, max_size=1, timeout=5) as pool:
        return await EventLog(pool, None).stored()


async def jobs_ended(database_url: str) -> bool:
    conn = await asyncpg.connect(database_url, timeout=5)
    try:
        return not await conn.fetchval("SELECT count(*) FROM data_jobs WHERE status NOT IN"
                                       " ('completed', 'failed', 'cancelled')")
    finally:
        await conn.close()


async def take(stack, views: dict[str, dict | None], stats: dict[str, int]) -> Snapshot:
    return await snapshot_of(stack.postgres.url, stack.lake, views, stats)


async def snapshot_of(database_url: str, lake: Path, views: dict[str, dict | None],
                      stats: dict[str, int]) -> Snapshot:
    """The snapshot of any system's database and lake (a trial's stack, a test's running system)."""
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        ledger = [tuple(r) for r in await conn.fetch(_LEDGER)]
        events = await event_count(database_url)
    finally:
        await conn.close()
    candles = await asyncio.to_thread(candles_of, lake)
    return Snapshot(candles, ledger, {k: key_figures(v) for k, v in views.items()}, exchange_calls(stats), events)
