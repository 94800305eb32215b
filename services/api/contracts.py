"""GET /api/asyncapi.json, the bus contract generated from the message models (shared/jobs/asyncapi.py),
and GET /api/event-types, the event type names and the terminal ones, which the page follows a job by."""

from __future__ import annotations

from functools import cache

from aiohttp import web

from services.api.responses.base import answer
from services.api.responses.meta import EventTypes
from shared.jobs.asyncapi import document
from shared.jobs.events.catalog import EVENT_TYPES, TERMINAL_TYPES


@cache
def _asyncapi() -> dict:
    return document()


async def asyncapi(request: web.Request) -> web.Response:
    return web.json_response(_asyncapi())


async def event_types(request: web.Request) -> web.Response:
    return web.json_response(answer(EventTypes(types=list(EVENT_TYPES), terminal=sorted(TERMINAL_TYPES))))
