"""A batch's plan: every (symbol, timeframe, piece) planned at one Kraken clock, the trades segments of
each symbol grouped into shared rebuilds (shared/planning/batch.py), and their cost. The API calls it for
a batch's dry run, the fetcher for the children it spawns."""

from __future__ import annotations

import asyncpg

from shared.kraken.client import ExchangeClient
from shared.lake.timeframes import to_ms
from shared.planning.batch import BatchSpec, ChildPlan, fetch_child, group_trades, pieces, rebuild_child
from shared.planning.cost import estimate_after_dump
from shared.planning.inputs import Scope, dump_extents, plan_scope
from shared.planning.planner import earliest_start
from shared.platform.settings import Settings

FAR = 2**45  # ms: beyond any candle


async def history_start(pool: asyncpg.Pool, exchange: str, symbol: str, timeframe: str,
                        seed_from_zip: bool) -> int | None:
    """Where a full history of one market and timeframe starts, from what is known already: the dump's
    first row, else the market's first trade as a full-history request learnt it."""
    dumps = await dump_extents(pool, Scope(exchange, symbol, timeframe, -FAR, FAR, seed_from_zip))
    kept = await pool.fetchval("SELECT first_trade_ts FROM markets WHERE exchange = $1 AND symbol = $2",
                               exchange, symbol)
    return earliest_start(dumps, to_ms(kept) if kept is not None else None)


async def _symbol_children(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings, spec: BatchSpec,
                           symbol: str, now_ms: int) -> list[ChildPlan]:
    rate = settings.kraken_rate_limit_ms / 1000
    planned, spans = [], []
    for tf in spec.timeframes:
        start = spec.start_ms
        if spec.full_history:
            start = max(start, await history_start(pool, spec.exchange, symbol, tf, spec.seed_from_zip) or start)
        for lo, hi in pieces(start, spec.end_ms, tf, settings.max_range_days.get(tf)):
            scope = Scope(spec.exchange, symbol, tf, lo, hi, spec.seed_from_zip)
            segments = (await plan_scope(pool, client, settings, scope, now_ms=now_ms)).segments
            planned.append((tf, lo, hi, segments))
            spans += [(tf, s.fetch_start_ms, s.fetch_end_ms) for s in segments if s.kind == "trades"]
    rebuilds = group_trades(spans)
    children = [fetch_child(symbol, tf, lo, hi, segments, rebuilds) for tf, lo, hi, segments in planned]
    for lo, hi, tfs in rebuilds:
        # Kraken's own trade counts (kept: a second plan of the batch asks none again).
        calls = (await estimate_after_dump(pool, client, settings, spec.exchange, symbol, lo, hi))["calls"]
        children.append(rebuild_child(symbol, lo, hi, tfs, calls, rate))
    return children


async def plan_batch(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings,
                     spec: BatchSpec) -> list[ChildPlan]:
    """The batch's children, each rebuild's Trades calls counted from Kraken's OHLC trade counts."""
    now_ms = await client.server_time_ms()
    children: list[ChildPlan] = []
    for symbol in spec.symbols:
        children += await _symbol_children(pool, client, settings, spec, symbol, now_ms)
    return children
