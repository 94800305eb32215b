"""Metadata and health: exchanges, markets, coverage, /healthz, /readyz."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from services.api.params import CoverageQuery, IntervalsQuery, MarketsQuery, parse_query
from services.api.responses.base import answer
from services.api.responses.meta import Exchange, Health, Market, Readiness
from services.api.state import BUS, POOL
from services.api.views import coverage_view, dump_files, intervals_page
from shared.lake.timeframes import to_ms
from shared.ledger import intervals as ledger
from shared.ledger import store as ledger_store

log = structlog.get_logger()


async def exchanges(request: web.Request) -> web.Response:
    rows = await request.app[POOL].fetch("SELECT id, name, timeframes FROM data_sources WHERE enabled ORDER BY id")
    return web.json_response([answer(Exchange(**r)) for r in rows])


async def markets(request: web.Request) -> web.Response:
    query = parse_query(MarketsQuery, request)
    rows = await request.app[POOL].fetch(
        "SELECT symbol, exchange_id, altname, wsname, base, quote, active, enabled FROM markets"
        " WHERE exchange = $1 AND (enabled OR $2) ORDER BY symbol", query.exchange, query.all)
    return web.json_response([answer(Market(**r)) for r in rows])


async def coverage(request: web.Request) -> web.Response:
    """Every row with its timeline, from one statement: bounded (rows x slots) whatever the history."""
    query = parse_query(CoverageQuery, request)
    found = await ledger_store.timelines(request.app[POOL], query.exchange, query.symbol, query.timeframe, query.limit)
    return web.json_response([coverage_view(t) for t in found])


async def coverage_intervals(request: web.Request) -> web.Response:
    """The ledger's whole listing of one timeframe, a page at a time, holes shown as missing."""
    query = parse_query(IntervalsQuery, request)
    after = to_ms(query.after) if query.after is not None else None
    page = await ledger_store.page(request.app[POOL], query.exchange, query.symbol, query.timeframe, after, query.limit)
    listed = ledger.listing(page, after, None) if page else []
    keys = {"exchange": query.exchange, "symbol": query.symbol, "timeframe": query.timeframe, "limit": str(query.limit)}
    return web.json_response(intervals_page(page, listed, query.limit, keys))


async def healthz(request: web.Request) -> web.Response:
    return web.json_response(answer(Health(status="ok")))


async def readyz(request: web.Request) -> web.Response:
    """Which dependency is down, never why: the exception (hosts, users, paths) goes to the log."""
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(request.app[POOL].fetchval("SELECT 1"), 2)
        checks["postgres"] = "ok"
    except Exception as exc:
        log.warning("readyz.postgres_down", error=repr(exc))
        checks["postgres"] = "unavailable"
    try:
        checks["nats"] = "ok" if await request.app[BUS].ping() else "unavailable"
    except Exception as exc:
        log.warning("readyz.nats_down", error=repr(exc))
        checks["nats"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(answer(Readiness(status="ready" if ready else "not ready", checks=checks)),
                             status=200 if ready else 503)


async def dumps(request: web.Request) -> web.Response:
    """The official dump files the system has cached, and what each member covers."""
    rows = await request.app[POOL].fetch(
        "SELECT f.kind, f.name, f.sha256, f.size, f.cached_at, m.member, m.altname, m.minutes, m.first_ts,"
        " m.last_ts, m.rows FROM dump_files f LEFT JOIN dump_members m USING (kind, name)"
        " ORDER BY f.kind, f.name, m.member")
    return web.json_response(dump_files(rows))
