"""Everything the planner needs to know, gathered from the ledger, the dump manifest and Kraken's clock.
The API calls this for a plan preview, the fetcher for the plan it executes."""

from __future__ import annotations

from dataclasses import dataclass, replace

import asyncpg

from shared.kraken.client import ExchangeClient
from shared.kraken.constants import BUILT_FROM
from shared.kraken.dumps.members import ohlcvt_members
from shared.kraken.dumps.trade_reach import known_stretches
from shared.kraken.ohlc_window import rest_window
from shared.lake.timeframes import millis
from shared.ledger import intervals as ledger
from shared.ledger import store as ledger_store
from shared.planning.count_cache import kraken_time_at_least, trade_counts
from shared.planning.planner import DumpExtent, PlanRequest, Segment, plan
from shared.platform.settings import Settings


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


async def trade_dumps(pool: asyncpg.Pool, settings: Settings, scope: Scope, altname: str, start_ms: int,
                      end_ms: int) -> tuple[DumpExtent, ...]:
    """The trading-history dump's stretches in [start, end), wherever they lie in it (a quarter in the
    middle of a long rebuild counts as much as one at its start)."""
    found = await known_stretches(pool, settings.kraken_trades_source, scope.exchange, scope.symbol, altname,
                                  start_ms, end_ms, skip_gaps=True)
    return tuple(DumpExtent(s.name, s.member or s.name.rsplit("/", 1)[-1], s.start_ms, s.end_ms) for s in found)


async def kraken_now_for(pool: asyncpg.Pool, client: ExchangeClient, scope: Scope,
                         held: list[tuple[int, int]], asked_ms: int | None = None) -> tuple[int, bool]:
    """Kraken's clock as far as the plan needs it. A range the lake holds whole needs nothing of Kraken,
    not even its clock; nor does one that ends before the REST window of a time Kraken's clock has
    passed already, since the window only moves on: the plan is the same whatever the clock says now.
    Whether the time is the clock's own reading comes with it; `asked_ms` is one the caller read already
    (a batch plans many scopes at one time)."""
    if held == [(scope.start_ms, scope.end_ms)]:
        return scope.end_ms, False
    if asked_ms is not None:
        return asked_ms, True
    passed = await kraken_time_at_least(pool, scope.exchange)
    if passed is not None and window_of(passed, scope.timeframe)[0] >= scope.end_ms:
        return passed, False
    return await client.server_time_ms(), True


def _trades(segments: list[Segment], from_api: bool = False) -> list[Segment]:
    return [s for s in segments if s.kind == "trades" and not (from_api and s.dump is not None)]


async def plan_scope(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings, scope: Scope, *,
                     now_ms: int | None = None) -> PlannedScope:
    """The plan of a scope, its trades segments costed from Kraken's OHLC counts (kept in PostgreSQL:
    a second plan of the same range asks Kraken for no count again)."""
    known = await ledger_store.load(pool, scope.exchange, scope.symbol, scope.timeframe, scope.start_ms, scope.end_ms)
    dumps = await dump_extents(pool, scope)
    held = ledger.held(not_superseded(known, dumps), scope.start_ms, scope.end_ms)
    now_ms, read = await kraken_now_for(pool, client, scope, held, now_ms)
    req = PlanRequest(
        start_ms=scope.start_ms, end_ms=scope.end_ms, timeframe=scope.timeframe, held=held,
        dumps=dumps, rest_window=window_of(now_ms, scope.timeframe),
        rate_limit_s=settings.kraken_rate_limit_ms / 1000, seed_from_zip=scope.seed_from_zip,
    )
    segments = plan(req)
    if not _trades(segments):
        return PlannedScope(segments)  # no trades part: the market list and the counts are not needed
    market = await client.market(scope.symbol)
    first, last = _trades(segments)[0], _trades(segments)[-1]
    req = replace(req, trade_dumps=await trade_dumps(pool, settings, scope, market.altname, first.fetch_start_ms,
                                                     last.fetch_end_ms))
    segments, calls = plan(req), 0
    if api := _trades(segments, from_api=True):
        counts, calls = await trade_counts(pool, client, settings, scope.exchange, scope.symbol, market.id,
                                           api[0].fetch_start_ms, api[-1].fetch_end_ms, now_ms if read else None)
        segments = plan(replace(req, trade_counts=counts))
    return PlannedScope(segments, calls)


@dataclass(frozen=True)
class PlannedScope:
    segments: list[Segment]
    count_calls: int = 0  # OHLC calls made to count the trades (none when the kept counts reach)
