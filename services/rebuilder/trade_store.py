"""Writing a flush of raw trades: each day it touches is read, has the flushed span replaced and is
written back atomically, under a lock per day file so that two rebuilds of one pair never interleave."""

from __future__ import annotations

import io

import asyncpg
import pyarrow.parquet as pq
import structlog

from services.rebuilder.raw_trades import NS_PER_DAY, SCHEMA, Flush, RawTrades, day_of, replace_span, to_bytes
from shared.lake.layout import trades_key, trades_prefix
from shared.lake.storage import Storage
from shared.platform.db import advisory_lock

log = structlog.get_logger()

DAY_FILE = "part-0.parquet"
LIST_OVER_DAYS = 31  # a longer quiet span is checked with one listing, not a read per day


async def _stored_days(storage: Storage, raw: RawTrades, lo_ns: int, hi_ns: int) -> list[str]:
    """Days in [lo, hi) that may hold a file: every one of a short span, those listed of a long one."""
    first, last = lo_ns // NS_PER_DAY, (hi_ns - 1) // NS_PER_DAY
    if last - first <= LIST_OVER_DAYS:
        return [day_of(d * NS_PER_DAY) for d in range(first, last + 1)]
    keys = await storage.list(trades_prefix(raw.exchange, raw.symbol))
    days = {k.split("date=", 1)[1].split("/", 1)[0] for k in keys if "date=" in k}
    return sorted(d for d in days if day_of(first * NS_PER_DAY) <= d <= day_of(last * NS_PER_DAY))


async def write_flush(pool: asyncpg.Pool, storage: Storage, raw: RawTrades, flush: Flush) -> None:
    for day, lo, hi, trades in flush.by_day(await _stored_days(storage, raw, flush.lo_ns, flush.hi_ns)):
        key = trades_key(raw.exchange, raw.symbol, day, DAY_FILE)
        async with advisory_lock(pool, key):
            data = await storage.read(key)
            stored = pq.read_table(io.BytesIO(data)).cast(SCHEMA) if data is not None else None
            merged = replace_span(stored, lo, hi, trades)
            if merged.num_rows:
                await storage.write_atomic(key, to_bytes(merged))
            elif data is not None:
                await storage.delete(key)
        if trades.num_rows and key not in raw.files:
            raw.files.append(key)
        raw.written += trades.num_rows
        log.info("trades.kept", key=key, trades=trades.num_rows, day_trades=merged.num_rows,
                 replaced=(stored.num_rows - (merged.num_rows - trades.num_rows)) if stored is not None else 0)
