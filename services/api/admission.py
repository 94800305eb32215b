"""Putting a checked job request on its way: the admission (caps, an active twin) and the work queue; and
Kraken's errors while a request is planned, as answers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from uuid import UUID

import structlog
from aiohttp import web

from services.api.errors import ApiError
from services.api.limits import QUEUE_RETRY_AFTER_S, client_of, too_many
from services.api.requests import JobRequest
from services.api.state import BUS, EVENTS, POOL, SETTINGS
from services.api.views import job_created
from shared.jobs.commands import JobCommand
from shared.jobs.lifecycle import fail
from shared.jobs.submission import Admission, QueueFull, admit_job, enqueue
from shared.kraken.client import RETRYABLE
from shared.platform.errors import PermanentError

log = structlog.get_logger()


@contextlib.contextmanager
def kraken_errors() -> Iterator[None]:
    """Kraken out of reach is a 503 to try again later; its refusal (an unknown pair) a 422."""
    try:
        yield
    except RETRYABLE as exc:
        raise ApiError(503, "exchange", f"Kraken is not reachable to plan the job ({exc}); try again",
                       "unavailable") from exc
    except PermanentError as exc:
        raise ApiError(422, "symbol", str(exc)) from exc


async def queue(request: web.Request, req: JobRequest, cmd: JobCommand, resumed_from: UUID | None) -> web.Response:
    """Admits the job (or finds its active twin) and puts its command on the work queue."""
    pool, settings = request.app[POOL], request.app[SETTINGS]
    extra = {"resumed_from": str(resumed_from)} if resumed_from else {}
    admission = Admission(client_of(request), settings.max_queued_jobs, settings.max_queued_jobs_per_client)
    try:
        admitted = await admit_job(pool, request.app[EVENTS], cmd, req.model_dump(mode="json"), admission)
    except QueueFull as exc:
        scope = "per client" if exc.per_client else "in the queue"
        raise too_many("queued_jobs", exc.limit, scope, QUEUE_RETRY_AFTER_S) from exc
    location = {"Location": f"/api/data-jobs/{admitted.job_id}"}
    if admitted.twin:  # the same request is already queued or running: that job is the answer
        log.info("job.deduplicated", job_id=str(admitted.job_id), symbol=cmd.symbol, timeframe=cmd.timeframe)
        return web.json_response(job_created(admitted.job_id, admitted.status, admitted.submitted_at,
                                             deduplicated=True, **extra), headers=location)
    try:
        await enqueue(request.app[BUS], pool, cmd)
    except Exception as exc:  # the job must not sit "queued" with nobody to run it
        await fail(request.app[EVENTS], cmd.job_id, f"could not queue the job: {exc}")
        raise ApiError(503, "job_queue", "the job queue (NATS) is not reachable; try again", "unavailable") from exc
    log.info("job.submitted", job_id=str(cmd.job_id), symbol=cmd.symbol, timeframe=cmd.timeframe,
             batch=bool(cmd.options.get("batch")))
    return web.json_response(job_created(admitted.job_id, admitted.status, admitted.submitted_at, **extra),
                             status=201, headers=location)
