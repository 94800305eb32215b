"""A batch's candles, inline in the message or staged as a Parquet file in the object store."""

from __future__ import annotations

import pyarrow as pa

from shared.jobs.batches import table_of
from shared.jobs.commands import CandleBatch
from shared.jobs.events.payloads import BatchWritten
from shared.lake.schema import from_parquet
from shared.lake.storage import Storage
from shared.platform.errors import PermanentError
from shared.service.runtime import Runtime


def written_key(batch: CandleBatch) -> str:
    """The dedup key of the batch's batch.written: a batch delivered twice is written once."""
    return f"batch:{batch.batch_id}"


async def batch_table(rt: Runtime, storage: Storage, batch: CandleBatch) -> pa.Table | None:
    """None when the staged file is gone because this very batch was written before: the writer
    deletes it only after recording batch.written, so a redelivery finds the record."""
    if not batch.staged:
        return table_of(batch)
    data = await storage.read(batch.staged)
    if data is not None:
        return from_parquet(data)
    if await rt.events.find(batch.job_id, BatchWritten, written_key(batch)) is not None:
        return None
    raise PermanentError(f"staged candles {batch.staged} of batch {batch.batch_id} are missing")
