"""GET /api/openapi.json: the HTTP contract, with the request schema taken from the pydantic model."""

from __future__ import annotations

from aiohttp import web

from services.api.actions import ActionRequest
from services.api.requests import JobRequest

ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "field": {"type": "string"},
                                          "reason": {"type": "string"}}}
JOB_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]


def _op(summary: str, params: list | None = None, body: bool = False, stream: bool = False) -> dict:
    op: dict = {"summary": summary, "parameters": params or [],
                "responses": {"200": {"description": "OK"},
                              "4XX": {"description": "Refused", "content": {"application/json": {"schema": ERROR}}}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/JobRequest"}}}}
        op["responses"]["201"] = {"description": "Job queued: {id, status, submitted_at}"}
        op["responses"]["200"] = {"description": "options.dry_run: the plan (segments with calls, rows and"
                                                 " seconds) or a rebuild's estimate; nothing is created"}
    if stream:
        op["responses"]["200"] = {"description": "text/event-stream of job events; resumes after Last-Event-ID"}
    return op


def _action() -> dict:
    op = _op("validate what the job stored (202; follow the job's `validation`), resume a failed or"
             " cancelled job (201, a new job), or download (links to its candles)", JOB_ID)
    op["requestBody"] = {"required": True, "content": {"application/json": {
        "schema": ActionRequest.model_json_schema()}}}
    return op


def _query(*names: str) -> list[dict]:
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def document() -> dict:
    schema = JobRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    components = {"JobRequest": schema, **schema.pop("$defs", {})}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Candle history API", "version": "1"},
        "paths": {
            "/api/data-jobs": {"post": _op("Submit a job", body=True), "get": _op("Recent jobs", _query("limit"))},
            "/api/data-jobs/{id}": {"get": _op("A job's status, progress and result", JOB_ID)},
            "/api/data-jobs/{id}/events": {"get": _op("The job's events (SSE)", JOB_ID, stream=True)},
            "/api/data-jobs/{id}/actions": {"post": _action()},
            "/api/data-jobs/{id}/candles": {"get": _op("The job's candles as one Parquet or CSV file",
                                                       JOB_ID + _query("timeframe", "format"))},
            "/api/data-coverage": {"get": _op("Stored ranges per timeframe, with the ledger's intervals"
                                              " (data by source, no_trades, missing)",
                                              _query("exchange", "symbol", "timeframe"))},
            "/api/dumps": {"get": _op("Cached official dump files and what each member covers")},
            "/api/exchanges": {"get": _op("Exchanges and their timeframes")},
            "/api/markets": {"get": _op("Markets of an exchange", _query("exchange", "all"))},
            "/api/asyncapi.json": {"get": _op("The bus contract (AsyncAPI 3.0): job events on"
                                              " data_job_events.{job_id}, the JOBS and CANDLES work queues")},
            "/api/event-types": {"get": _op("Job event type names, and the terminal ones: {types, terminal}")},
            "/healthz": {"get": _op("Liveness")},
            "/readyz": {"get": _op("Readiness: PostgreSQL and NATS answer")},
        },
        "components": {"schemas": components},
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document())
