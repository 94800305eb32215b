"""Submitting a job: the row, its job.queued event, then the command on the work queue. Used by the API
for the jobs people ask for, and by the fetcher for the child rebuilds of a plan."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.bus import Bus
from shared.events import EventLog
from shared.messages import JOB_SUBJECTS, JobCommand
from shared.timeframes import from_ms

_INSERT = ("INSERT INTO data_jobs (id, job_type, parent_id, exchange, symbol, timeframe, start_ts, end_ts, options)"
           " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (id) DO NOTHING RETURNING submitted_at")


async def store_job(pool: asyncpg.Pool, events: EventLog, cmd: JobCommand, request: dict) -> datetime | None:
    """None if the job exists already (a producer that restarted submits its children again)."""
    submitted = await pool.fetchval(_INSERT, cmd.job_id, cmd.job_type, cmd.parent_id, cmd.exchange, cmd.symbol,
                                    cmd.timeframe, from_ms(cmd.start_ms), from_ms(cmd.end_ms), cmd.options)
    await events.emit(cmd.job_id, "job.queued", {"request": request}, dedup_key="queued")
    return submitted


async def enqueue(bus: Bus, cmd: JobCommand) -> None:
    # The job id is the message id: a command published twice is one message to JetStream.
    await bus.publish(JOB_SUBJECTS[cmd.job_type], cmd, msg_id=str(cmd.job_id))
