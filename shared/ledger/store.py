"""The coverage ledger in PostgreSQL: load a key's intervals, and overlay new knowledge on them.

Intervals of one (exchange, symbol, timeframe) never overlap. Recording replaces only the rows a new
span touches, under a transaction-scoped advisory lock, so writers of different partitions of the same
key (several writer replicas) cannot interleave their read-merge-write."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.lake.timeframes import from_ms, to_ms
from shared.ledger.intervals import Interval, merge_ledger

_TOUCHING = ("SELECT start_ts, end_ts, state, source, provisional FROM ledger_intervals"
             " WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND end_ts >= $4 AND start_ts <= $5"
             " ORDER BY start_ts")
_INSERT = ("INSERT INTO ledger_intervals (exchange, symbol, timeframe, start_ts, end_ts, state, source,"
           " provisional, job_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)")


def _interval(row: asyncpg.Record) -> Interval:
    return Interval(to_ms(row["start_ts"]), to_ms(row["end_ts"]), row["state"], row["source"], row["provisional"])


async def load(conn: asyncpg.Connection | asyncpg.Pool, exchange: str, symbol: str, timeframe: str,
               start_ms: int | None = None, end_ms: int | None = None) -> list[Interval]:
    lo = from_ms(start_ms if start_ms is not None else -(2**45))
    hi = from_ms(end_ms if end_ms is not None else 2**45)
    rows = await conn.fetch(_TOUCHING, exchange, symbol, timeframe, lo, hi)
    return [_interval(r) for r in rows]


async def record(pool: asyncpg.Pool, exchange: str, symbol: str, timeframe: str, new: list[Interval],
                 job_id: UUID | None) -> None:
    if not new:
        return
    lo, hi = min(i.start_ms for i in new), max(i.end_ms for i in new)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                           f"ledger:{exchange}:{symbol}:{timeframe}")
        # Touching (not only overlapping) rows are taken too, so equal neighbours coalesce.
        existing = await load(conn, exchange, symbol, timeframe, lo, hi)
        merged = merge_ledger(existing, new)
        if existing:
            await conn.execute(
                "DELETE FROM ledger_intervals WHERE exchange = $1 AND symbol = $2 AND timeframe = $3"
                " AND start_ts = ANY($4::timestamptz[])",
                exchange, symbol, timeframe, [from_ms(i.start_ms) for i in existing])
        await conn.executemany(_INSERT, [
            (exchange, symbol, timeframe, from_ms(i.start_ms), from_ms(i.end_ms), i.state, i.source,
             i.provisional, job_id) for i in merged])
