"""on_batch: merge one candle batch into its year partitions, atomically, record what the batch
vouches for in the coverage ledger, then tell the job."""

from __future__ import annotations

import time

import structlog

from services.writer.merge import compare_with_stored, merge, split_by_year, ts_bounds
from services.writer.staged import batch_table, written_key
from shared.jobs.commands import CandleBatch
from shared.jobs.events.payloads import BatchWritten, JobMessage
from shared.lake.comparison import add_comparisons
from shared.lake.layout import partition_key, public_artifact
from shared.lake.schema import from_parquet, to_parquet
from shared.lake.storage import Storage
from shared.lake.timeframes import iso, millis
from shared.ledger import store as ledger_store
from shared.ledger.intervals import span_intervals
from shared.platform.db import advisory_lock
from shared.platform.metrics import BATCHES_WRITTEN, MERGE_SECONDS, ROWS_WRITTEN
from shared.service.runtime import Runtime

log = structlog.get_logger()


async def write_partition(rt: Runtime, storage: Storage, batch: CandleBatch, year: int, part) -> dict:
    key = partition_key(batch.exchange, batch.symbol, batch.timeframe, year)
    async with advisory_lock(rt.pool, key) as conn:  # one writer per partition
        started = time.perf_counter()  # the merge itself, not the wait for the lock
        stored = await storage.read(key)
        existing = from_parquet(stored) if stored is not None else None
        comparison = compare_with_stored(existing, part)
        merged = merge(existing, part)
        changed = existing is None or not merged.equals(existing)
        if changed:
            await storage.write_atomic(key, to_parquet(merged))
        first, last = ts_bounds(merged)
        await conn.execute(
            "INSERT INTO lake_partitions (exchange, symbol, timeframe, year, rows, first_ts, last_ts, artifact)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (exchange, symbol, timeframe, year) DO UPDATE"
            " SET rows = $5, first_ts = $6, last_ts = $7, artifact = $8, updated_at = now()",
            batch.exchange, batch.symbol, batch.timeframe, year, merged.num_rows, first, last, storage.uri(key),
        )
        MERGE_SECONDS.observe(time.perf_counter() - started)
    return {"year": year, "rows": merged.num_rows, "artifact": public_artifact(key, rt.settings.lake_public_url),
            "changed": changed,
            "comparison": comparison}


async def record_span(rt: Runtime, batch: CandleBatch, ts_ms: list[int]) -> None:
    if batch.span_start_ms is None or batch.span_end_ms is None:
        return
    intervals = span_intervals(batch.span_start_ms, batch.span_end_ms, ts_ms, millis(batch.timeframe),
                               batch.source, batch.provisional_from_ms)
    await ledger_store.record(rt.pool, batch.exchange, batch.symbol, batch.timeframe, intervals, batch.job_id)


def seam_rows(batch: CandleBatch, ts_ms: list[int]) -> int:
    """Candles outside the batch's counted range: fetched to meet a neighbour, which counts them."""
    lo, hi = batch.counted_from_ms, batch.counted_to_ms
    if lo is None or hi is None:
        return 0
    return sum(1 for ts in ts_ms if not lo <= ts < hi)


async def on_batch(rt: Runtime, storage: Storage, batch: CandleBatch) -> None:
    table = await batch_table(rt, storage, batch)
    if table is None:
        return  # a staged batch already written and cleaned up: a redelivery after the ack was lost
    partitions = [await write_partition(rt, storage, batch, year, part)
                  for year, part in sorted(split_by_year(table).items())] if table.num_rows else []
    ts_ms = table.column("ts").cast("int64").to_pylist()
    await record_span(rt, batch, ts_ms)
    comparison = None
    for p in partitions:
        if p["comparison"]:
            comparison = add_comparisons(comparison, p.pop("comparison"))
        p.pop("comparison", None)
    if comparison and comparison["differing"]:
        first = comparison["differences"][0]
        await rt.events.emit(batch.job_id, JobMessage(
            text=f"{batch.timeframe}: {comparison['differing']} of {comparison['compared']} {batch.source} candles"
                 f" differ from the stored ones (first at {first['ts']}: {sorted(first['fields'])};"
                 f" largest relative difference {comparison['max_rel_diff']:.3g})",
            level="warning"), dedup_key=f"compare:{batch.batch_id}")
    told = await rt.events.emit(batch.job_id, BatchWritten(
        batch_id=batch.batch_id, rows=table.num_rows, source=batch.source, timeframe=batch.timeframe,
        start_timestamp=iso(ts_ms[0]) if ts_ms else None, end_timestamp=iso(ts_ms[-1]) if ts_ms else None,
        partitions=partitions, comparison=comparison, instance=rt.settings.instance_id,
        seam_rows=seam_rows(batch, ts_ms),
    ), dedup_key=written_key(batch))
    if batch.staged:
        await storage.delete(batch.staged)
    if told is not None:  # a batch delivered again after its event was stored is counted once
        BATCHES_WRITTEN.labels(batch.source).inc()
        ROWS_WRITTEN.labels(batch.source, batch.timeframe).inc(table.num_rows)
    log.info("batch.written", job_id=str(batch.job_id), batch_id=batch.batch_id, rows=table.num_rows,
             partitions=[p["year"] for p in partitions], changed=sum(p["changed"] for p in partitions),
             compared=comparison["compared"] if comparison else 0)
