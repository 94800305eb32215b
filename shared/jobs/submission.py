"""Submitting a job: the row, its job.queued event, then the command on the work queue. Used by the API
for the jobs people ask for, and by the fetcher for the child rebuilds of a plan. The row is the outbox:
until the queue has the command, the coverage sweep publishes it again (see unsent)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.jobs.commands import JOB_SUBJECTS, JobCommand
from shared.jobs.events.log import EventLog
from shared.jobs.events.payloads import JobQueued
from shared.lake.timeframes import from_ms, to_ms
from shared.platform.bus import Bus

_INSERT = ("INSERT INTO data_jobs (id, job_type, parent_id, exchange, symbol, timeframe, start_ts, end_ts, options)"
           " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (id) DO NOTHING RETURNING submitted_at")


async def store_job(pool: asyncpg.Pool, events: EventLog, cmd: JobCommand, request: dict) -> datetime | None:
    """None if the job exists already (a producer that restarted submits its children again)."""
    submitted = await pool.fetchval(_INSERT, cmd.job_id, cmd.job_type, cmd.parent_id, cmd.exchange, cmd.symbol,
                                    cmd.timeframe, from_ms(cmd.start_ms), from_ms(cmd.end_ms), cmd.options)
    await events.emit(cmd.job_id, JobQueued(request=request), dedup_key="queued")
    return submitted


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
    return [JobCommand(job_id=r["id"], job_type=r["job_type"], parent_id=r["parent_id"], exchange=r["exchange"],
                       symbol=r["symbol"], timeframe=r["timeframe"], start_ms=to_ms(r["start_ts"]),
                       end_ms=to_ms(r["end_ts"]), options=r["options"] or {}) for r in rows]
