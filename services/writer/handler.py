"""on_batch: merge one candle batch into its year partitions, atomically, then tell the job."""

from __future__ import annotations

from contextlib import asynccontextmanager

import asyncpg
import structlog

from services.writer.merge import from_parquet, merge, split_by_year, to_parquet, ts_bounds
from shared.batches import table_of
from shared.lake import partition_key
from shared.messages import CandleBatch
from shared.runtime import Runtime
from shared.storage import Storage
from shared.timeframes import iso

log = structlog.get_logger()


@asynccontextmanager
async def partition_lock(pool: asyncpg.Pool, key: str):
    """One writer per partition at a time, across replicas; the lock goes if the writer dies."""
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
        try:
            yield conn
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)


async def write_partition(rt: Runtime, storage: Storage, batch: CandleBatch, year: int, part) -> dict:
    key = partition_key(batch.exchange, batch.symbol, batch.timeframe, year)
    async with partition_lock(rt.pool, key) as conn:
        stored = await storage.read(key)
        existing = from_parquet(stored) if stored is not None else None
        merged = merge(existing, part)
        changed = existing is None or not merged.equals(existing)
        if changed:
            await storage.write_atomic(key, to_parquet(merged))
        first, last = ts_bounds(merged)
        await conn.execute(
            "INSERT INTO coverage_partitions (exchange, symbol, timeframe, year, rows, first_ts, last_ts, artifact)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (exchange, symbol, timeframe, year) DO UPDATE"
            " SET rows = $5, first_ts = $6, last_ts = $7, artifact = $8, updated_at = now()",
            batch.exchange, batch.symbol, batch.timeframe, year, merged.num_rows, first, last, storage.uri(key),
        )
    return {"year": year, "rows": merged.num_rows, "artifact": storage.uri(key), "changed": changed}


async def on_batch(rt: Runtime, storage: Storage, batch: CandleBatch) -> None:
    if not len(batch):
        partitions = []
    else:
        table = table_of(batch)
        partitions = [await write_partition(rt, storage, batch, year, part)
                      for year, part in sorted(split_by_year(table).items())]
    await rt.events.emit(batch.job_id, "batch.written", {
        "batch_id": batch.batch_id, "rows": len(batch), "source": batch.source,
        "start_timestamp": iso(batch.ts[0]) if batch.ts else None,
        "end_timestamp": iso(batch.ts[-1]) if batch.ts else None,
        "partitions": partitions,
    }, dedup_key=f"batch:{batch.batch_id}")
    log.info("batch.written", job_id=str(batch.job_id), batch_id=batch.batch_id, rows=len(batch),
             partitions=[p["year"] for p in partitions], changed=sum(p["changed"] for p in partitions))
