"""The one job lifecycle: queued → running → completed | failed | cancelled, moved by the job's events.
What each event carries and who sends it: the models in shared/jobs/events/ (and GET /api/asyncapi.json)."""

from __future__ import annotations

from uuid import UUID

from shared.jobs.events.catalog import EventPayload
from shared.jobs.events.log import EventLog
from shared.jobs.events.payloads import (
    BatchWritten,
    ChildrenPlanned,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobFetched,
    JobProgress,
    JobQueued,
    JobStarted,
    Payload,
)
from shared.platform import errors

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = "queued", "running", "completed", "failed", "cancelled"
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, CANCELLED})

_STATUS_AFTER: dict[type[Payload], str] = {
    JobQueued: QUEUED,
    JobStarted: RUNNING,
    JobProgress: RUNNING,
    JobFetched: RUNNING,
    ChildrenPlanned: RUNNING,
    BatchWritten: RUNNING,
    JobCompleted: COMPLETED,
    JobFailed: FAILED,
    JobCancelled: CANCELLED,
}


def next_status(current: str, payload: EventPayload) -> str:
    """A terminal status is final; anything else moves as the event says."""
    if current in TERMINAL_STATUSES:
        return current
    return _STATUS_AFTER.get(type(payload), current)


async def fail(events: EventLog, job_id: UUID, error: str) -> None:
    await events.emit(job_id, JobFailed(error=error))


async def cancel(events: EventLog, job_id: UUID) -> bool:
    return await events.emit(job_id, JobCancelled()) is not None


async def stop_if_ended(events: EventLog, job_id: UUID) -> None:
    """Between units of work: a job cancelled (or ended otherwise) meanwhile stops here, its message
    acknowledged; what it has sent so far stays written."""
    if await events.has_ended(job_id):
        raise errors.JobCancelled(f"job {job_id} has ended")
