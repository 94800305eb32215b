"""The one job lifecycle: queued → running → completed | failed | cancelled.

Event types (README, "Events"), who emits them and what `data` carries:
- job.queued     api        {request}
- job.started    fetcher, rebuilder   {}
- job.progress   fetcher, rebuilder   {progress (0..1), last_timestamp (ISO), batches_completed}
- job.message    anyone     {text, level: info|warning|error}
- job.fetched    fetcher, rebuilder   {batches: N batches published, rows, not_fetched: [{start, end, reason}], ...}
                 (the producer's share is done; the job completes once the writer has written all N)
- batch.written  writer     {batch_id, rows, start_timestamp, end_timestamp, artifacts: [uri], partitions}
- job.completed  coverage   {result}            dedup key "terminal"
- job.failed     anyone     {error}             dedup key "terminal"
- job.cancelled  api        {}                  dedup key "terminal"
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.jobs.events import TERMINAL, EventLog
from shared.platform.errors import JobCancelled

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = "queued", "running", "completed", "failed", "cancelled"
STATUSES = (QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED)
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, CANCELLED})

_STATUS_AFTER = {
    "job.queued": QUEUED,
    "job.started": RUNNING,
    "job.progress": RUNNING,
    "job.fetched": RUNNING,
    "batch.written": RUNNING,
    "job.completed": COMPLETED,
    "job.failed": FAILED,
    "job.cancelled": CANCELLED,
}


def next_status(current: str, event_type: str) -> str:
    """A terminal status is final; anything else moves as the event says."""
    if current in TERMINAL_STATUSES:
        return current
    return _STATUS_AFTER.get(event_type, current)


async def fail(events: EventLog, job_id: UUID, error: str) -> None:
    await events.emit(job_id, "job.failed", {"error": error}, dedup_key=TERMINAL)


async def cancel(events: EventLog, job_id: UUID) -> bool:
    return await events.emit(job_id, "job.cancelled", {}, dedup_key=TERMINAL) is not None


async def has_ended(pool: asyncpg.Pool, job_id: UUID) -> bool:
    """True once a terminal event is stored, even before the projection catches up."""
    return bool(await pool.fetchval(
        "SELECT 1 FROM data_job_events WHERE job_id = $1 AND dedup_key = $2", job_id, TERMINAL
    ))


async def stop_if_ended(pool: asyncpg.Pool, job_id: UUID) -> None:
    """Between units of work: a job cancelled (or ended otherwise) meanwhile stops here, its message
    acknowledged; what it has sent so far stays written."""
    if await has_ended(pool, job_id):
        raise JobCancelled(f"job {job_id} has ended")
