"""POST /api/data-jobs, GET /api/data-jobs/{id}, GET /api/data-jobs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson
import structlog
from aiohttp import web

from services.api.admission import kraken_errors, queue
from services.api.batches import submit_batch
from services.api.errors import ApiError
from services.api.params import JobsQuery, parse_query
from services.api.planning import (
    check_cost,
    check_not_before_history,
    dry_run_body,
    history_start_after,
    preview,
    resolve_range,
)
from services.api.requests import JobRequest, check_lists, check_metadata, check_range, check_shape, too_long
from services.api.state import KRAKEN, POOL, SETTINGS
from services.api.views import SUMMARY_COLUMNS, job_summary, job_view
from shared.jobs.commands import JobCommand
from shared.lake.timeframes import to_ms

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


async def _plan(request: web.Request, req: JobRequest) -> tuple[datetime, datetime, dict | None] | None:
    """The job's range and, where it matters, its cost: both may need Kraken (its clock, a Trades sample).
    None for a fetch whose resolved range is longer than its timeframe allows: a batch."""
    pool, settings, client = request.app[POOL], request.app[SETTINGS], request.app[KRAKEN]
    with kraken_errors():
        start, end = await resolve_range(pool, client, req)
        if too_long(req, settings, start, end):
            return None
        check_range(req, settings, start, end)
        return start, end, await preview(pool, client, settings, req, start, end) if _wants_cost(req) else None


async def create_job(request: web.Request) -> web.Response:
    return await submit(request, JobRequest.model_validate(await read_body(request)))


async def submit(request: web.Request, req: JobRequest, resumed_from: UUID | None = None) -> web.Response:
    """Checks, plans and queues one job request; a resumed job's answer names the job it resumes. Several
    markets or timeframes, or a fetch longer than its timeframe allows, go as a batch."""
    pool, settings = request.app[POOL], request.app[SETTINGS]
    check_lists(req, settings)
    await check_metadata(pool, req)
    check_shape(req)
    if req.lists:
        return await submit_batch(request, req, resumed_from)
    start, end, cost = req.start_timestamp, req.end_timestamp, None
    if start is not None and end is not None:
        if too_long(req, settings, start, end):
            return await submit_batch(request, req, resumed_from)
        check_range(req, settings, start, end)
        check_not_before_history(req, await history_start_after(pool, req, to_ms(end)))
    if _needs_kraken(req):
        planned = await _plan(request, req)
        if planned is None:  # a full history longer than the timeframe allows
            return await submit_batch(request, req, resumed_from)
        start, end, cost = planned
    if req.options.dry_run:
        return web.json_response(dry_run_body(req, start, end, cost, settings))
    if cost is not None:
        check_cost(req, settings, cost)
    cmd = JobCommand(job_id=uuid.uuid4(), job_type=req.job_type, exchange=req.exchange, symbol=req.symbol,
                     timeframe=req.timeframe, start_ms=to_ms(start), end_ms=to_ms(end),
                     options=req.options.model_dump())
    return await queue(request, req, cmd, resumed_from)


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
