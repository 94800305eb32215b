"""A batch's candles, inline in the message or staged as a Parquet file in the object store."""

from __future__ import annotations

import pyarrow as pa

from shared.jobs.batches import table_of
from shared.jobs.commands import CandleBatch
from shared.lake.schema import from_parquet
from shared.lake.storage import Storage
from shared.platform.errors import PermanentError
from shared.service.runtime import Runtime


async def batch_table(rt: Runtime, storage: Storage, batch: CandleBatch) -> pa.Table | None:
    """None when the staged file is gone because this very batch was written before: the writer
    deletes it only after recording batch.written, so a redelivery finds the record."""
    if not batch.staged:
        return table_of(batch)
    data = await storage.read(batch.staged)
    if data is not None:
        return from_parquet(data)
    written = await rt.pool.fetchval(
        "SELECT 1 FROM data_job_events WHERE job_id = $1 AND dedup_key = $2", batch.job_id, f"batch:{batch.batch_id}")
    if written:
        return None
    raise PermanentError(f"staged candles {batch.staged} of batch {batch.batch_id} are missing")
