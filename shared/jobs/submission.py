"""Submitting a job: the row, its job.queued event, then the command on the work queue. Used by the API
for the jobs people ask for, and by the fetcher for the child rebuilds of a plan. The row is the outbox:
until the queue has the command, the coverage sweep publishes it again (see unsent)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson

from shared.jobs.commands import JOB_SUBJECTS, JobCommand
from shared.jobs.events.log import EventLog
from shared.jobs.events.payloads import JobQueued
from shared.lake.timeframes import from_ms, to_ms
from shared.platform.bus import Bus

_INSERT = ("INSERT INTO data_jobs (id, job_type, parent_id, exchange, symbol, timeframe, start_ts, end_ts, options,"
           " client, request_key) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (id) DO NOTHING"
           " RETURNING submitted_at")
_ACTIVE_TWIN = ("SELECT id, status, submitted_at FROM data_jobs WHERE request_key = $1 AND status IN ('queued', 'running')"
                " ORDER BY submitted_at LIMIT 1")
_QUEUED = ("SELECT count(*) AS total, count(*) FILTER (WHERE client = $1) AS mine FROM data_jobs"
           " WHERE status = 'queued' AND parent_id IS NULL")
# One admission at a time: the twin check, the caps and the insert must see each other's rows.
_ADMISSION_LOCK = 0x6A6F6273  # "jobs"


@dataclass(frozen=True)
class Admission:
    """Who asks, and how many queued jobs the queue takes from them and from everyone."""

    client: str
    max_queued: int
    max_queued_per_client: int


@dataclass(frozen=True)
class Admitted:
    job_id: UUID
    submitted_at: datetime
    twin: bool = False  # an identical active job was found: that one is returned, nothing is queued
    status: str = "queued"


class QueueFull(Exception):
    def __init__(self, limit: int, per_client: bool) -> None:
        super().__init__(f"{limit} queued jobs{' from this client' if per_client else ''}")
        self.limit, self.per_client = limit, per_client


def request_key(cmd: JobCommand) -> str:
    """What makes two requests the same job: the resolved range and everything that changes the work,
    not whether the client confirmed the cost."""
    options = {k: v for k, v in sorted(cmd.options.items()) if k not in ("confirm", "dry_run")}
    scope = [cmd.job_type, cmd.exchange, cmd.symbol, cmd.timeframe, cmd.start_ms, cmd.end_ms, options]
    return hashlib.sha256(orjson.dumps(scope, option=orjson.OPT_SORT_KEYS)).hexdigest()


def command_of(row: asyncpg.Record) -> JobCommand:
    """The command a stored data_jobs row was submitted with: what the job covers."""
    return JobCommand(job_id=row["id"], job_type=row["job_type"], parent_id=row["parent_id"],
                      exchange=row["exchange"], symbol=row["symbol"], timeframe=row["timeframe"],
                      start_ms=to_ms(row["start_ts"]), end_ms=to_ms(row["end_ts"]), options=row["options"] or {})


async def _insert(db: asyncpg.Pool | asyncpg.Connection, cmd: JobCommand, client: str | None = None,
                  key: str | None = None) -> datetime | None:
    return await db.fetchval(_INSERT, cmd.job_id, cmd.job_type, cmd.parent_id, cmd.exchange, cmd.symbol, cmd.timeframe,
                             from_ms(cmd.start_ms), from_ms(cmd.end_ms), cmd.options, client, key)


async def store_job(pool: asyncpg.Pool, events: EventLog, cmd: JobCommand, request: dict) -> datetime | None:
    """None if the job exists already (a producer that restarted submits its children again)."""
    submitted = await _insert(pool, cmd)
    await events.emit(cmd.job_id, JobQueued(request=request), dedup_key="queued")
    return submitted


async def admit_job(pool: asyncpg.Pool, events: EventLog, cmd: JobCommand, request: dict,
                    admission: Admission) -> Admitted:
    """Stores a job people asked for, unless an identical one is active (that one is returned) or the
    queue holds as many of theirs, or of everyone's, as it takes (QueueFull)."""
    key = request_key(cmd)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _ADMISSION_LOCK)
        if (twin := await conn.fetchrow(_ACTIVE_TWIN, key)) is not None:
            return Admitted(twin["id"], twin["submitted_at"], twin=True, status=twin["status"])
        queued = await conn.fetchrow(_QUEUED, admission.client)
        if queued["total"] >= admission.max_queued:
            raise QueueFull(admission.max_queued, per_client=False)
        if queued["mine"] >= admission.max_queued_per_client:
            raise QueueFull(admission.max_queued_per_client, per_client=True)
        submitted = await _insert(conn, cmd, admission.client, key)
        queued_event = await EventLog.store(conn, cmd.job_id, JobQueued(request=request), "queued")
    await events.publish(queued_event)
    return Admitted(cmd.job_id, submitted)


async def enqueue(bus: Bus, pool: asyncpg.Pool, cmd: JobCommand) -> None:
    # The job id is the message id: a command published twice is one message to JetStream.
    await bus.publish(JOB_SUBJECTS[cmd.job_type], cmd, msg_id=str(cmd.job_id))
    await pool.execute("UPDATE data_jobs SET enqueued_at = now() WHERE id = $1", cmd.job_id)


async def unsent(pool: asyncpg.Pool, older_than_s: float) -> list[JobCommand]:
    """Jobs stored a while ago whose command never reached the work queue: the process that stored
    them died before publishing (or before noting that it had). Publishing again is safe within the
    queue's duplicate window, which is far longer than older_than_s."""
    rows = await pool.fetch(
        "SELECT id, job_type, parent_id, exchange, symbol, timeframe, start_ts, end_ts, options FROM data_jobs"
        " WHERE enqueued_at IS NULL AND status = 'queued' AND submitted_at < now() - $1 * interval '1 second'"
        " ORDER BY submitted_at LIMIT 100", older_than_s)
    return [command_of(r) for r in rows]
