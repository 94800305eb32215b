"""Everything the planner needs to know, gathered from the ledger, the dump manifest and Kraken's clock.
The API calls this for a plan preview, the fetcher for the plan it executes."""

from __future__ import annotations

from dataclasses import dataclass, replace

import asyncpg

from shared.kraken.client import ExchangeClient
from shared.kraken.constants import BUILT_FROM
from shared.kraken.dumps.members import ohlcvt_members
from shared.kraken.ohlc_window import rest_window
from shared.lake.timeframes import millis
from shared.ledger import intervals as ledger
from shared.ledger import store as ledger_store
from shared.planning.planner import DumpExtent, PlanRequest, Segment, plan


@dataclass(frozen=True)
class Scope:
    exchange: str
    symbol: str
    timeframe: str
    start_ms: int
    end_ms: int
    seed_from_zip: bool = True


async def dump_extents(pool: asyncpg.Pool, scope: Scope) -> list[DumpExtent]:
    if not scope.seed_from_zip:
        return []
    members = await ohlcvt_members(pool, scope.exchange, scope.symbol, scope.timeframe)
    return [DumpExtent(m.name, m.member, m.start_ms, m.end_ms) for m in members]


def window_of(now_ms: int, timeframe: str) -> tuple[int, int]:
    if timeframe not in BUILT_FROM:
        return rest_window(now_ms, millis(timeframe))
    # 2w candles are built from REST's 1w ones: only fortnights whose two weeks are both in the window.
    start, end = rest_window(now_ms, millis(BUILT_FROM[timeframe]))
    step = millis(timeframe)
    return -(-start // step) * step, end // step * step


def not_superseded(known: list[ledger.Interval], dumps: list[DumpExtent]) -> list[ledger.Interval]:
    """REST candles where a dump now has rows count as not held: the dump's replace them."""
    out = []
    for interval in known:
        pieces = [(interval.start_ms, interval.end_ms)]
        if interval.source == "rest":
            for dump in dumps:
                pieces = [p for lo, hi in pieces for p in ((lo, min(hi, dump.start_ms)), (max(lo, dump.end_ms), hi))
                          if p[0] < p[1]]
        out += [replace(interval, start_ms=lo, end_ms=hi) for lo, hi in pieces]
    return out


async def plan_scope(pool: asyncpg.Pool, client: ExchangeClient, scope: Scope, *, rate_limit_s: float,
                     trades_per_ms: float | None = None, now_ms: int | None = None) -> list[Segment]:
    """now_ms: Kraken's clock when the caller asked it already (a batch plans many scopes at one time)."""
    known = await ledger_store.load(pool, scope.exchange, scope.symbol, scope.timeframe, scope.start_ms, scope.end_ms)
    dumps = await dump_extents(pool, scope)
    held = ledger.held(not_superseded(known, dumps), scope.start_ms, scope.end_ms)
    # A range the lake holds whole needs nothing of Kraken, not even its clock.
    whole = held == [(scope.start_ms, scope.end_ms)]
    if whole:
        now_ms = scope.end_ms
    elif now_ms is None:
        now_ms = await client.server_time_ms()
    return plan(PlanRequest(
        start_ms=scope.start_ms, end_ms=scope.end_ms, timeframe=scope.timeframe, held=held,
        dumps=dumps, rest_window=window_of(now_ms, scope.timeframe),
        trades_per_ms=trades_per_ms, rate_limit_s=rate_limit_s, seed_from_zip=scope.seed_from_zip,
    ))
