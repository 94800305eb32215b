"""The document: the operations of jobs.py and site.py, the schemas of every model they name, generated
in one go (models_json_schema), the bearer scheme, and the names this server takes (from its tables)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache

import asyncpg
from aiohttp import web
from pydantic.json_schema import models_json_schema

from services.api.actions import ActionRequest
from services.api.datasets.requests import DatasetRequest
from services.api.openapi import datasets, jobs, site
from services.api.openapi.parts import REF
from services.api.requests import JobRequest
from services.api.responses.actions import Cancelled, Downloads, ValidationAsked
from services.api.responses.base import ErrorBody
from services.api.responses.candles import CandlesAnswer
from services.api.responses.chart import Chart
from services.api.responses.jobs import JobCreated, JobSummary, JobView
from services.api.responses.meta import (
    CoverageRow,
    DumpFile,
    EventTypes,
    Exchange,
    Health,
    IntervalsPage,
    Market,
    Readiness,
)
from services.api.responses.plans import BatchDryRun, FetchDryRun, RebuildDryRun
from services.api.state import POOL
from shared.exports.report import QualityReport

REQUESTS = [JobRequest, ActionRequest, DatasetRequest]
ANSWERS = [ErrorBody, JobCreated, JobSummary, JobView, FetchDryRun, RebuildDryRun, BatchDryRun, ValidationAsked,
           Downloads, Cancelled, CoverageRow, IntervalsPage, Chart, CandlesAnswer, Exchange, DumpFile, Market, Health,
           Readiness, EventTypes, QualityReport, *datasets.ANSWERS, *jobs.ENVELOPES.values()]
SECURITY = {"bearer": {
    "type": "http", "scheme": "bearer",
    "description": "`Authorization: Bearer <API_TOKEN>`, needed on /api/* (but the contracts) when the server"
                   " sets API_TOKEN; a server without API_TOKEN takes requests without it."}}


@dataclass(frozen=True)
class Choices:
    """The names this server takes in a job request (its enabled exchanges, pairs and timeframes): the
    document lists them, so a client (or a fuzzer) knows them without a round of 422s."""

    exchanges: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    timeframes: list[str] = field(default_factory=list)


@cache
def _document() -> dict:
    models = [(m, "validation") for m in REQUESTS] + [(m, "serialization") for m in ANSWERS]
    refs, schemas = models_json_schema(models, ref_template=REF)
    clashing = [m.__name__ for (m, _), r in refs.items() if r["$ref"] != REF.format(model=m.__name__)]
    assert not clashing, f"two models named alike: {clashing}"
    return {
        "openapi": "3.1.0",
        "info": {"title": "Candle history API", "version": "1",
                 "description": "Fetch, store and follow the history of crypto candles. Every refusal has the"
                                " ErrorBody schema. Job events: text/event-stream here; the bus contract is"
                                " /api/asyncapi.json."},
        "paths": {**jobs.paths(), **datasets.paths(), **site.paths()},
        "security": [{"bearer": []}],
        "components": {"schemas": schemas["$defs"], "securitySchemes": SECURITY},
    }


def _restrict(schema: dict, values: list[str]) -> None:
    if values:
        schema["enum"] = values


def _string_of(schema: dict) -> dict:
    """The non-null branch of an optional field's schema."""
    return next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)


def document(choices: Choices | None = None) -> dict:
    doc = copy.deepcopy(_document())
    if choices is not None:
        schemas = doc["components"]["schemas"]
        request = schemas["JobRequest"]["properties"]
        _restrict(request["exchange"], choices.exchanges)
        for name, values in (("symbol", choices.symbols), ("timeframe", choices.timeframes)):
            _restrict(_string_of(request[name]), values)
            _restrict(_string_of(request[f"{name}s"])["items"], values)
        _restrict(schemas["JobOptions"]["properties"]["timeframes"]["items"], choices.timeframes)
        dataset = schemas["DatasetRequest"]["properties"]
        _restrict(dataset["exchange"], choices.exchanges)
        _restrict(dataset["symbols"]["items"], choices.symbols)
        _restrict(dataset["timeframes"]["items"], choices.timeframes)
    return doc


async def choices(pool: asyncpg.Pool) -> Choices:
    sources = await pool.fetch("SELECT id, timeframes FROM data_sources WHERE enabled ORDER BY id")
    symbols = await pool.fetch("SELECT DISTINCT symbol FROM markets WHERE enabled ORDER BY symbol")
    timeframes = dict.fromkeys(t for s in sources for t in s["timeframes"])
    return Choices([s["id"] for s in sources], [s["symbol"] for s in symbols], list(timeframes))


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document(await choices(request.app[POOL])))
