"""The coverage ledger in PostgreSQL: load a key's intervals, and overlay new knowledge on them.

Intervals of one (exchange, symbol, timeframe) never overlap. Recording replaces only the rows a new
span touches, under a transaction-scoped advisory lock, so writers of different partitions of the same
key (several writer replicas) cannot interleave their read-merge-write."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from shared.lake.timeframes import from_ms, to_ms
from shared.ledger import timeline
from shared.ledger.intervals import Interval, merge_ledger
from shared.ledger.timeline import Group, Segment

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


# The coverage rows of an exchange with their ledgers summarised (timeline.py), in one statement:
# the cost is one ordered pass over the rows' intervals, and the answer has a bounded number of groups.
_TIMELINES = """
WITH r0 AS (
    SELECT * FROM stored_ranges WHERE exchange = $1 AND ($2::text IS NULL OR symbol = $2)
        AND ($3::text IS NULL OR timeframe = $3) ORDER BY symbol, timeframe LIMIT $7
), r AS (
    SELECT r0.*, least(greatest($4 / count(*) OVER (), $5), $6)::int AS slots FROM r0
), i AS (
    SELECT r.symbol, r.timeframe, greatest(l.start_ts, r.start_ts) AS s, least(l.end_ts, r.end_ts) AS e,
           l.state, l.source, l.provisional, r.start_ts AS r_start, (r.end_ts - r.start_ts) / r.slots AS slot
    FROM r JOIN ledger_intervals l ON l.exchange = r.exchange AND l.symbol = r.symbol
        AND l.timeframe = r.timeframe AND l.start_ts < r.end_ts AND l.end_ts > r.start_ts
), g AS (
    SELECT *, (e - s) >= slot AS long,
           sum(((e - s) >= slot)::int) OVER (PARTITION BY symbol, timeframe ORDER BY s) AS longs,
           coalesce(lag(e) OVER (PARTITION BY symbol, timeframe ORDER BY s) < s, false) AS hole_before
    FROM i
), agg AS (
    SELECT symbol, timeframe, longs,
           CASE WHEN long THEN -1
                ELSE floor(extract(epoch FROM s - r_start) / greatest(extract(epoch FROM slot), 0.001))::int END AS slot_no,
           state, source, bool_or(provisional) AS provisional, min(s) AS s, max(e) AS e, count(*) AS stretches,
           (sum(extract(epoch FROM e - s)) * 1000)::bigint AS held_ms, sum(hole_before::int) AS holes
    FROM g GROUP BY 1, 2, 3, 4, 5, 6
)
SELECT r.exchange, r.symbol, r.timeframe, r.start_ts, r.end_ts, r.rows, r.last_job_id, r.last_sync_at,
       r.validated_at, agg.longs, agg.slot_no, agg.state, agg.source, agg.provisional, agg.s, agg.e,
       agg.stretches, agg.held_ms, agg.holes
FROM r LEFT JOIN agg ON agg.symbol = r.symbol AND agg.timeframe = r.timeframe
ORDER BY r.symbol, r.timeframe, agg.s
"""


@dataclass
class RowTimeline:
    row: dict  # the stored_ranges row
    segments: list[Segment]
    missing_stretches: int  # exact: holes in the ledger and intervals it holds as missing
    merged_stretches: int  # ledger intervals shown inside merged segments


async def timelines(pool: asyncpg.Pool, exchange: str, symbol: str | None,
                    timeframe: str | None, row_limit: int) -> list[RowTimeline]:
    # The slot count of a row depends on how many rows share the answer's segment budget.
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        # The two sorts of a long ledger (a million intervals is ~100 MB) stay in memory, not on disk.
        await conn.execute("SET LOCAL work_mem = '128MB'")
        found = await conn.fetch(_TIMELINES, exchange, symbol, timeframe, timeline.SEGMENT_BUDGET,
                                 timeline.MIN_SLOTS, timeline.MAX_SLOTS, row_limit)
    rows: dict[tuple[str, str], tuple[dict, list[Group], int]] = {}
    for rec in found:
        key = (rec["symbol"], rec["timeframe"])
        if key not in rows:
            rows[key] = ({k: rec[k] for k in _ROW_FIELDS}, [], 0)
        row, groups, holes = rows[key]
        if rec["s"] is None:
            continue
        groups.append(Group((rec["longs"], rec["slot_no"]), to_ms(rec["s"]), to_ms(rec["e"]), rec["state"],
                            rec["source"], rec["provisional"], rec["stretches"], rec["held_ms"]))
        rows[key] = (row, groups, holes + rec["holes"])
    return [_row_timeline(row, groups, holes) for row, groups, holes in rows.values()]


_ROW_FIELDS = ("exchange", "symbol", "timeframe", "start_ts", "end_ts", "rows", "last_job_id", "last_sync_at",
               "validated_at")


def _row_timeline(row: dict, groups: list[Group], holes: int) -> RowTimeline:
    start, end = to_ms(row["start_ts"]), to_ms(row["end_ts"])
    segments = timeline.compose(groups, start, end)
    if groups:
        holes += (min(g.start_ms for g in groups) > start) + (max(g.end_ms for g in groups) < end)
    elif end > start:
        holes = 1
    stored_missing = sum(g.stretches for g in groups if g.state == "missing")
    merged = sum(s.stretches for s in segments if s.merged)
    return RowTimeline(row, segments, holes + stored_missing, merged)


async def page(conn: asyncpg.Connection | asyncpg.Pool, exchange: str, symbol: str, timeframe: str,
               after_ms: int | None, limit: int) -> list[Interval]:
    """The ledger's own intervals in order, `limit` of them from the first that ends after `after_ms`."""
    rows = await conn.fetch(
        "SELECT start_ts, end_ts, state, source, provisional FROM ledger_intervals WHERE exchange = $1"
        " AND symbol = $2 AND timeframe = $3 AND end_ts > $4 ORDER BY start_ts LIMIT $5",
        exchange, symbol, timeframe, from_ms(after_ms if after_ms is not None else -(2**45)), limit)
    return [_interval(r) for r in rows]
