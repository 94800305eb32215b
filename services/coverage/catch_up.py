"""Reads a job's stored events in seq order, from where the projection stopped, into data_jobs and
the coverage rows (stored_ranges); completes the job once every announced batch is written.

Events are read from PostgreSQL, not from the NATS message, so a publish lost in a crash or events
arriving out of order change nothing: the projection is the fold of the stored log."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import structlog

from services.coverage.batch_view import batch_reached
from services.coverage.job_metrics import count_ended
from services.coverage.job_view import JobView, apply, failed_batch, writes_done
from shared.jobs.events.envelope import JobEvent
from shared.jobs.events.log import EventLog
from shared.jobs.events.payloads import (
    ChildCompleted,
    ChildEnded,
    ChildProgress,
    JobCompleted,
    JobFailed,
    JobProgress,
)
from shared.jobs.lifecycle import COMPLETED, TERMINAL_STATUSES
from shared.lake.timeframes import millis

log = structlog.get_logger()

_JOB = ("SELECT status, progress, details, result, error, tracking, started_at, finished_at, projected_seq,"
        " exchange, symbol, timeframe, parent_id, job_type, submitted_at,"
        " (SELECT p.options ? 'batch' FROM data_jobs p WHERE p.id = j.parent_id) AS in_batch"
        " FROM data_jobs j WHERE id = $1 FOR UPDATE OF j")
# A child tells its parent (a batch, or a planned fetch) how far it has got in steps of this (child.progress).
PROGRESS_STEPS = 20
_SAVE = ("UPDATE data_jobs SET status=$2, progress=$3, details=$4, result=$5, error=$6, tracking=$7,"
         " started_at=$8, finished_at=$9, projected_seq=$10, updated_at=now() WHERE id=$1")
_COVERAGE = """
INSERT INTO stored_ranges (exchange, symbol, timeframe, start_ts, end_ts, rows, last_job_id, last_sync_at)
SELECT exchange, symbol, timeframe, min(first_ts), max(last_ts) + $4 * interval '1 millisecond', sum(rows), $5, now()
FROM lake_partitions WHERE exchange = $1 AND symbol = $2 AND timeframe = $3
GROUP BY exchange, symbol, timeframe
ON CONFLICT (exchange, symbol, timeframe) DO UPDATE SET start_ts = EXCLUDED.start_ts,
    end_ts = EXCLUDED.end_ts, rows = EXCLUDED.rows, last_job_id = EXCLUDED.last_job_id, last_sync_at = now(),
    validated_at = NULL
"""
# validated_at vouches for the candles a validation read: new ones landing in the row void it.


async def tell_parent(conn: asyncpg.Connection, parent_id: UUID, child_id: UUID, view: JobView,
                      in_batch: bool) -> list[JobEvent]:
    """A child rebuild that ended is an event in its parent's log: its result counts towards the
    parent's, and its failure fails the parent (the plan cannot be complete without it). A batch fails
    only once all its children have ended (the others' work is kept, and resume runs what is left)."""
    outcome = ChildCompleted if view.status == COMPLETED else ChildEnded
    told = [await EventLog.store(conn, parent_id, outcome(child_id=child_id, status=view.status, result=view.result),
                                 f"child:{child_id}")]
    if view.status != COMPLETED and not in_batch:
        told.append(await EventLog.store(conn, parent_id, JobFailed(
            error=f"child rebuild {child_id} {view.status}: {view.error or 'no reason given'}")))
    return [e for e in told if e is not None]


def _moved(job: asyncpg.Record, view: JobView) -> bool:
    """The child started, or crossed another step of progress."""
    return view.status != job["status"] or _steps(view.progress) > _steps(job["progress"])


async def project_job(pool: asyncpg.Pool, events: EventLog, job_id: UUID) -> None:
    own, told = [], []
    async with pool.acquire() as conn, conn.transaction():
        job = await conn.fetchrow(_JOB, job_id)
        if job is None:
            return
        stored = await events.after(job_id, job["projected_seq"], limit=None, conn=conn)
        if not stored:
            return
        view = JobView(job["status"], job["progress"], job["details"], job["result"], job["error"],
                       job["tracking"], job["started_at"], job["finished_at"])
        for event in stored:
            view = apply(view, event)
        seq = stored[-1].seq
        was_terminal = job["status"] in TERMINAL_STATUSES
        # What the projection itself adds to the log, stored in this transaction so the job's status and
        # its event log never disagree: its completion once every write is done, a batch's failure once
        # every child has ended, or a parent's progress, another twentieth further (its stream shows it).
        added = None
        if view.status in TERMINAL_STATUSES:
            pass
        elif writes_done(view):
            added = await EventLog.store(conn, job_id, JobCompleted(result=view.result))
        elif (why := failed_batch(view)) is not None:
            added = await EventLog.store(conn, job_id, JobFailed(error=why))
        elif _weighs_children(view) and _steps(view.progress) > _steps(job["progress"]):
            reached = batch_reached(view.tracking) if "batch" in view.tracking else view.details["last_timestamp"]
            added = await EventLog.store(conn, job_id, JobProgress(progress=round(view.progress, 4),
                                                                   last_timestamp=reached))
        if added is not None:
            view, seq = apply(view, added), added.seq
            own.append(added)
        if job["parent_id"] is not None and view.status in TERMINAL_STATUSES and not was_terminal:
            told = await tell_parent(conn, job["parent_id"], job_id, view, bool(job["in_batch"]))
        elif job["parent_id"] is not None and view.status not in TERMINAL_STATUSES and _moved(job, view):
            told = [e for e in [await EventLog.store(conn, job["parent_id"], ChildProgress(
                child_id=job_id, status=view.status, progress=view.progress))] if e is not None]
        await conn.execute(_SAVE, job_id, view.status, view.progress, view.details, view.result, view.error,
                           view.tracking, view.started_at, view.finished_at, seq)
        for timeframe in sorted(view.coverage_changed):
            await conn.execute(_COVERAGE, job["exchange"], job["symbol"], timeframe, millis(timeframe), job_id)
    if view.status in TERMINAL_STATUSES and not was_terminal:
        count_ended(job["job_type"], view.status, job["submitted_at"], view.started_at,
                    view.finished_at or datetime.now(UTC))
    for event in own + told:
        await events.publish(event)
    log.info("job.projected", job_id=str(job_id), status=view.status, seq=seq, progress=round(view.progress, 3))


def _weighs_children(view: JobView) -> bool:
    """A batch, or a planned fetch whose child rebuild has told its progress: the parent's own stream
    shows the weighted progress, which no producer of its own tells."""
    return "batch" in view.tracking or bool(view.tracking.get("child_progress") and view.details.get("last_timestamp"))


def _steps(progress: float) -> int:
    return int(progress * PROGRESS_STEPS)


async def lagging_jobs(pool: asyncpg.Pool) -> list[UUID]:
    rows = await pool.fetch("SELECT id FROM data_jobs WHERE last_event_seq > projected_seq LIMIT 500")
    return [r["id"] for r in rows]
