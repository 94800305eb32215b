"""HTTP front of the simulator: /0/public/<Method> (GET or POST, like Kraken) with
fault injection and the per-client rate limit, plus the /_sim/* control routes."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time

from aiohttp import web

from . import endpoints, simroutes
from .faults import HTTP_ERRORS, KRAKEN_ERRORS, html_page
from .sim import Simulator

SIM = web.AppKey("sim", Simulator)
# aiohttp (so ccxt) silently re-sends an idempotent request once when the
# connection drops; a reset also drops that immediate retry so the client sees it.
RESET_RETRY = web.AppKey("reset_retry", dict)
RESET_RETRY_WINDOW_S = 1.0
RATE_LIMITED = {"error": ["EAPI:Rate limit exceeded"]}


def _dumps(body: dict) -> str:
    return json.dumps(body, separators=(",", ":"))


def _json(body: dict) -> web.Response:
    return web.Response(text=_dumps(body), content_type="application/json")


def _reset_connection(request: web.Request) -> None:
    """Drop the connection without an answer; SO_LINGER 0 turns the close into a TCP
    RST, so the client sees a reset (or a server disconnect), never a response."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


async def public(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM]
    method = request.match_info["method"]
    sim.count(method)
    retries = request.app[RESET_RETRY]
    key = (request.remote, request.method, request.path_qs)
    if retries.pop(key, 0.0) > time.monotonic():
        _reset_connection(request)
        raise asyncio.CancelledError
    fault = sim.faults.next()
    if fault is not None:
        sim.count("faults")
        sim.count(f"fault:{fault}")
        if fault.isdigit() and int(fault) in HTTP_ERRORS:
            return web.Response(status=int(fault), text=html_page(int(fault)), content_type="text/html")
        if fault in KRAKEN_ERRORS:
            return _json({"error": [KRAKEN_ERRORS[fault]]})
        if fault == "reset":
            retries[key] = time.monotonic() + RESET_RETRY_WINDOW_S
            _reset_connection(request)
            raise asyncio.CancelledError   # nothing more to send on a dead connection
        if fault == "slow":
            await asyncio.sleep(sim.faults.slow_seconds)
    if sim.limiter is not None and not sim.limiter.allow(request.remote or "unknown"):
        sim.count("rate_limited")
        return _json(RATE_LIMITED)
    query = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        query.update({k: str(v) for k, v in (await request.post()).items()})
    # A first long-interval request can take a second or two: keep the loop free.
    body = _dumps(await asyncio.to_thread(endpoints.call, sim, method, query))
    if fault == "truncated":
        body = body[: len(body) // 2]
    return web.Response(text=body, content_type="application/json")


def create_app(sim: Simulator) -> web.Application:
    app = web.Application()
    app[SIM] = sim
    app[RESET_RETRY] = {}
    app.router.add_route("GET", "/0/public/{method}", public)
    app.router.add_route("POST", "/0/public/{method}", public)
    simroutes.add_routes(app, sim)
    return app
