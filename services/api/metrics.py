"""The API's own metrics: request latency by route pattern (never the raw path, whose ids would make
a series per job), and its /metrics on the main port, open like /healthz (README, "Metrics and
alerts"): it carries counts and timings only, and the token guards /api/*."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.platform.metrics import HTTP_SECONDS

UNMATCHED = "unmatched"  # no route: one series for every unknown path
CLIENT_GONE = 499  # the client went away first (an event stream closed, a download dropped): no error of ours


def route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return UNMATCHED if resource is None else resource.canonical


@web.middleware
async def measure(request: web.Request, handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500  # what the client gets when the handler raises past json_errors (it went away)
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_GONE
        raise
    finally:
        HTTP_SECONDS.labels(route_of(request), request.method, str(status)).observe(time.perf_counter() - started)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
