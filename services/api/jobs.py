"""POST /api/data-jobs, GET /api/data-jobs/{id}, GET /api/data-jobs."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson
import structlog
from aiohttp import web

from services.api.errors import ApiError
from services.api.limits import QUEUE_RETRY_AFTER_S, client_of, too_many
from services.api.params import JobsQuery, parse_query
from services.api.planning import (
    check_cost,
    check_not_before_history,
    dry_run_body,
    history_start_after,
    preview,
    resolve_range,
)
from services.api.requests import JobRequest, check_metadata, check_range, check_shape
from services.api.state import BUS, EVENTS, KRAKEN, POOL, SETTINGS
from services.api.views import SUMMARY_COLUMNS, job_created, job_summary, job_view
from shared.jobs.commands import JobCommand
from shared.jobs.lifecycle import fail
from shared.jobs.submission import Admission, QueueFull, admit_job, enqueue
from shared.kraken.client import RETRYABLE
from shared.lake.timeframes import to_ms
from shared.platform.errors import PermanentError

log = structlog.get_logger()

PROJECTION_WAIT_STEPS = 40  # up to 2 s


async def read_body(request: web.Request) -> dict:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "body", f"malformed JSON: {exc}", "malformed_json") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "body", "must be a JSON object", "malformed_json")
    return body


def job_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["id"])
    except ValueError as exc:
        raise ApiError(400, "id", "job id must be a UUID") from exc


def _wants_cost(req: JobRequest) -> bool:
    # A rebuild is checked against the confirm limit unless the client has confirmed already.
    return req.options.dry_run or (req.job_type == "trade_rebuild" and not req.options.confirm)


def _needs_kraken(req: JobRequest) -> bool:
    return req.options.full_history or req.options.refresh or _wants_cost(req)


async def _plan(request: web.Request, req: JobRequest) -> tuple[datetime, datetime, dict | None]:
    """The job's range and, where it matters, its cost: both may need Kraken (its clock, a Trades sample)."""
    pool, settings, client = request.app[POOL], request.app[SETTINGS], request.app[KRAKEN]
    with kraken_errors():
        start, end = await resolve_range(pool, client, req)
        check_range(req, settings, start, end)
        return start, end, await preview(pool, client, settings, req, start, end) if _wants_cost(req) else None


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


async def create_job(request: web.Request) -> web.Response:
    return await submit(request, JobRequest.model_validate(await read_body(request)))


async def submit(request: web.Request, req: JobRequest, **extra: str) -> web.Response:
    """Checks, plans and queues one job request; `extra` goes into the answer (e.g. resumed_from)."""
    pool, settings = request.app[POOL], request.app[SETTINGS]
    await check_metadata(pool, req)
    check_shape(req)
    start, end, cost = req.start_timestamp, req.end_timestamp, None
    if start is not None and end is not None:
        check_range(req, settings, start, end)
        check_not_before_history(req, await history_start_after(pool, req, to_ms(end)))
    if _needs_kraken(req):
        start, end, cost = await _plan(request, req)
    if req.options.dry_run:
        return web.json_response(dry_run_body(req, start, end, cost, settings))
    if cost is not None:
        check_cost(req, settings, cost)
    cmd = JobCommand(job_id=uuid.uuid4(), job_type=req.job_type, exchange=req.exchange, symbol=req.symbol,
                     timeframe=req.timeframe, start_ms=to_ms(start), end_ms=to_ms(end),
                     options=req.options.model_dump())
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
    log.info("job.submitted", job_id=str(cmd.job_id), symbol=cmd.symbol, timeframe=cmd.timeframe)
    return web.json_response(job_created(admitted.job_id, admitted.status, admitted.submitted_at, **extra),
                             status=201, headers=location)


async def job_row(request: web.Request) -> asyncpg.Record:
    """The job's row, once the projection has caught up with its stored events (up to 2 s): a client
    that saw an event on the stream sees it in the job too, and acts on the status it saw."""
    jid, pool = job_id(request), request.app[POOL]
    row = await pool.fetchrow("SELECT * FROM data_jobs WHERE id = $1", jid)
    if row is None:
        raise ApiError(404, "id", "no such job", "not_found")
    for _ in range(PROJECTION_WAIT_STEPS):
        if row["projected_seq"] >= row["last_event_seq"]:
            break
        await asyncio.sleep(0.05)
        row = await pool.fetchrow("SELECT * FROM data_jobs WHERE id = $1", jid)
    return row


async def get_job(request: web.Request) -> web.Response:
    return web.json_response(job_view(await job_row(request)))


async def list_jobs(request: web.Request) -> web.Response:
    limit = parse_query(JobsQuery, request).limit
    rows = await request.app[POOL].fetch(
        f"SELECT {SUMMARY_COLUMNS} FROM data_jobs ORDER BY submitted_at DESC LIMIT $1", limit)
    return web.json_response([job_summary(r) for r in rows])
