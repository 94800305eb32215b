"""python -m services.coverage: projects job events into data_jobs and the coverage rows (stored_ranges),
validates what jobs stored when asked to, and keeps the markets table in step with the exchange."""

import asyncio
import contextlib
from functools import partial

import structlog

from services.coverage.catch_up import lagging_jobs, project_job
from services.coverage.job_metrics import SAMPLE_EVERY_S, sample_jobs
from services.coverage.markets import sync_markets
from services.coverage.validate import on_validate, validation_failed
from shared.jobs.commands import VALIDATE_SUBJECT, ValidateCommand
from shared.jobs.events.envelope import EVERY_JOB, JobEvent
from shared.jobs.submission import enqueue, unsent
from shared.lake.storage import open_storage
from shared.service.consume import consume
from shared.service.runtime import Runtime, run_service

log = structlog.get_logger()
SWEEP_S = 2.0
REQUEUE_AFTER_S = 10.0  # a submitter publishes within milliseconds of storing the job
MARKETS_EVERY_S = 3600.0


async def sweep(rt: Runtime) -> None:
    """Catches jobs whose event publish was lost (the stored log is the truth), and jobs whose command
    never reached the work queue."""
    while not rt.stop.is_set():
        try:
            for job_id in await lagging_jobs(rt.pool):
                await project_job(rt.pool, rt.events, job_id)
            for cmd in await unsent(rt.pool, REQUEUE_AFTER_S):
                log.warning("job.requeued", job_id=str(cmd.job_id), job_type=cmd.job_type)
                await enqueue(rt.bus, rt.pool, cmd)
        except Exception as exc:  # PostgreSQL or NATS away for a moment: the next round tries again
            log.warning("sweep.failed", error=repr(exc)[:300])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(rt.stop.wait(), SWEEP_S)


async def keep_markets(rt: Runtime) -> None:
    while not rt.stop.is_set():
        try:
            await sync_markets(rt.pool, rt.settings)
            wait = MARKETS_EVERY_S
        except Exception as exc:  # the exchange may be unreachable; the seeded markets still serve
            log.warning("markets.sync_failed", error=str(exc)[:300])
            wait = 60.0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(rt.stop.wait(), wait)


async def keep_job_gauges(rt: Runtime) -> None:
    while not rt.stop.is_set():
        try:
            await sample_jobs(rt.pool)
        except Exception as exc:  # PostgreSQL away: the gauges keep their last value till it is back
            log.warning("jobs.sample_failed", error=repr(exc)[:300])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(rt.stop.wait(), SAMPLE_EVERY_S)


async def main(rt: Runtime) -> None:
    async def on_event(event: JobEvent) -> None:
        await project_job(rt.pool, rt.events, event.job_id)

    async def give_up(event: JobEvent, exc: Exception) -> None:
        # The sweep projects the job again later; a projection bug must not fail the job itself.
        log.error("projection.failed", job_id=str(event.job_id), seq=event.seq, error=str(exc)[:300])

    storage = open_storage(rt.settings.storage_url, rt.settings.s3_endpoint_url)
    tasks = [asyncio.create_task(sweep(rt)), asyncio.create_task(keep_markets(rt)),
             asyncio.create_task(keep_job_gauges(rt)),
             asyncio.create_task(consume(
                 rt.bus, stream="JOBS", durable="validator", subject=VALIDATE_SUBJECT, model=ValidateCommand,
                 handler=partial(on_validate, rt, storage), give_up=partial(validation_failed, rt),
                 stop=rt.stop, max_deliver=rt.settings.max_deliver, ack_wait_s=rt.settings.ack_wait_s))]
    try:
        await consume(rt.bus, stream="EVENTS", durable="coverage", subject=EVERY_JOB, model=JobEvent,
                      handler=on_event, give_up=give_up,
                      stop=rt.stop, max_deliver=rt.settings.max_deliver)
    finally:
        for task in tasks:
            task.cancel()


if __name__ == "__main__":
    run_service("coverage", main)
