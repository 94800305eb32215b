"""The refusal of a range the ledger does not wholly hold (require: complete): 409 with every missing
interval, and the plan that would complete the first incomplete (symbol, timeframe): the same dry run
POST /api/data-jobs answers (services/api/planning.py)."""

from __future__ import annotations

from aiohttp import web

from services.api.datasets.freeze import Part
from services.api.datasets.requests import DatasetRequest
from services.api.errors import ApiError
from services.api.jobs import kraken_errors
from services.api.planning import api_client, dry_run_body, preview
from services.api.requests import JobOptions, JobRequest
from services.api.responses.base import answer
from services.api.responses.datasets import DatasetIncomplete, MissingPart
from services.api.responses.plans import FetchDryRun
from services.api.state import POOL, SETTINGS
from shared.lake.timeframes import from_ms


async def dry_run(request: web.Request, exchange: str, part: Part) -> dict:
    pool, settings = request.app[POOL], request.app[SETTINGS]
    req = JobRequest(exchange=exchange, symbol=part.symbol, timeframe=part.timeframe,
                     start_timestamp=from_ms(part.start_ms), end_timestamp=from_ms(part.end_ms),
                     options=JobOptions(dry_run=True))
    with kraken_errors():
        async with api_client(settings) as client:
            cost = await preview(pool, client, settings, req, req.start_timestamp, req.end_timestamp)
    return dry_run_body(req, req.start_timestamp, req.end_timestamp, cost, settings)


async def refusal(request: web.Request, req: DatasetRequest, parts: list[Part]) -> web.Response:
    missing = [MissingPart(symbol=p.symbol, timeframe=p.timeframe, start=m.start, end=m.end)
               for p in parts for m in p.report.missing]
    first = next(p for p in parts if p.report.missing)
    plan, plan_error = None, None
    try:
        plan = FetchDryRun.model_validate(await dry_run(request, req.exchange, first))
    except ApiError as exc:
        plan_error = exc.reason
    reason = (f"{len(missing)} part(s) of the range are not stored, the first {first.symbol} {first.timeframe}"
              f" {missing[0].start} to {missing[0].end}; fetch them (`plan`), or ask with options.require = any")
    body = DatasetIncomplete(error="incomplete", field="start_timestamp", reason=reason, missing=missing,
                             plan=plan, plan_error=plan_error)
    return web.json_response(answer(body), status=409)
