"""A batch request (README, "Batch requests"): several markets and/or timeframes, or a fetch longer than
its timeframe's MAX_RANGE_DAYS. Stored and queued as one parent fetch job; the fetcher plans it into its
children. A dry run shows the children it would have and their totals, for the confirm rule."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

import asyncpg
from aiohttp import web

from services.api.admission import kraken_errors, queue
from services.api.planning import resolve_range
from services.api.requests import JobRequest, check_range
from services.api.responses.base import answer
from services.api.responses.plans import DRY_RUN
from services.api.state import KRAKEN, POOL, SETTINGS
from shared.jobs.commands import JobCommand
from shared.kraken.client import ExchangeClient
from shared.lake.timeframes import iso, to_ms
from shared.planning.batch import BatchSpec, ChildPlan, totals
from shared.planning.batch_plan import plan_batch
from shared.planning.confirm import needs_confirm
from shared.platform.settings import Settings


def spec_of(req: JobRequest, start: datetime, end: datetime) -> BatchSpec:
    return BatchSpec(req.exchange, req.markets, req.asked_timeframes, to_ms(start), to_ms(end),
                     req.options.seed_from_zip, req.options.full_history)


async def batch_range(pool: asyncpg.Pool, client: ExchangeClient, req: JobRequest) -> tuple[datetime, datetime]:
    """A full history starts at the earliest first candle of its markets and timeframes."""
    ranges = [await resolve_range(pool, client, req.single(s, tf)) for s in req.markets for tf in req.asked_timeframes]
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def dry_run_body(req: JobRequest, start: datetime, end: datetime, plans: list[ChildPlan], settings: Settings) -> dict:
    summary = totals(plans)
    children = [{"job_type": p.job_type, "symbol": p.symbol, "timeframes": list(p.timeframes),
                 "start_timestamp": iso(p.start_ms), "end_timestamp": iso(p.end_ms), "calls": p.calls,
                 "rows": p.rows, "seconds": p.seconds, "weight": p.weight} for p in plans]
    return answer(DRY_RUN.validate_python({
        "dry_run": True, "job_type": "batch", "exchange": req.exchange, "symbol": req.markets[0],
        "timeframe": req.asked_timeframes[0], "symbols": req.markets, "timeframes": req.asked_timeframes,
        "start_timestamp": start, "end_timestamp": end, "calls": summary["calls"], "nothing_to_do": not plans,
        "message": f"{len(plans)} child job(s), about {summary['calls']} Kraken call(s)" if plans
        else "Nothing to do: the range holds no whole candle",
        "needs_confirm": needs_confirm(summary["calls"], settings), "children": children, "totals": summary}))


async def submit_batch(request: web.Request, req: JobRequest, resumed_from: UUID | None) -> web.Response:
    pool, settings, client = request.app[POOL], request.app[SETTINGS], request.app[KRAKEN]
    start, end = req.start_timestamp, req.end_timestamp
    if req.options.full_history or req.options.dry_run:
        with kraken_errors():  # the API's one client: its market list and the shared call budget
            if req.options.full_history:
                start, end = await batch_range(pool, client, req)
            check_range(req, settings, start, end, batch=True)
            if req.options.dry_run:
                plans = await plan_batch(pool, client, settings, spec_of(req, start, end))
                return web.json_response(dry_run_body(req, start, end, plans, settings))
    check_range(req, settings, start, end, batch=True)
    options = {**req.options.model_dump(), "batch": {"symbols": req.markets, "timeframes": req.asked_timeframes},
               **({"resume_of": str(resumed_from)} if resumed_from else {})}
    cmd = JobCommand(job_id=uuid.uuid4(), job_type="fetch", exchange=req.exchange, symbol=req.markets[0],
                     timeframe=req.asked_timeframes[0], start_ms=to_ms(start), end_ms=to_ms(end), options=options)
    return await queue(request, req, cmd, resumed_from)
