"""Request latency is recorded by route pattern, never the raw path, with the status the client got,
refusals included, and 499 for a client that went away; /metrics on the main port is Prometheus text
and needs no token."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from services.api.errors import ApiError, json_errors
from services.api.guards import require_token
from services.api.metrics import CLIENT_GONE, UNMATCHED, measure, metrics

ROUTE = "/api/data-jobs/{id}"


def seen(route: str, method: str, status: int) -> float:
    labels = {"route": route, "method": method, "status": str(status)}
    return REGISTRY.get_sample_value("candles_http_request_duration_seconds_count", labels) or 0.0


async def test_latency_by_route_pattern_and_status():
    async def job(request: web.Request) -> web.Response:
        if request.match_info["id"] == "bad":
            raise ApiError(400, "id", "not a job id")
        return web.json_response({})

    async def gone(request: web.Request) -> web.Response:
        raise asyncio.CancelledError  # aiohttp cancels the handler of a client that disconnected

    app = web.Application(middlewares=[measure, json_errors, require_token("secret")])
    app.router.add_get(ROUTE, job)
    app.router.add_get("/gone", gone)
    app.router.add_get("/metrics", metrics)
    before = {k: seen(*k) for k in [(ROUTE, "GET", 401), (ROUTE, "GET", 200), (ROUTE, "GET", 400),
                                    (UNMATCHED, "GET", 404), ("/gone", "GET", CLIENT_GONE)]}
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert (await client.get("/api/data-jobs/one")).status == 401
        auth = {"Authorization": "Bearer secret"}
        for job_id in ("one", "two"):
            assert (await client.get(f"/api/data-jobs/{job_id}", headers=auth)).status == 200
        assert (await client.get("/api/data-jobs/bad", headers=auth)).status == 400
        assert (await client.get("/no/such/path")).status == 404
        await asyncio.gather(client.get("/gone"), return_exceptions=True)
        resp = await client.get("/metrics")  # no token: it is not under /api/
        assert resp.status == 200
        names = {f.name for f in text_string_to_metric_families(await resp.text())}
        assert "candles_http_request_duration_seconds" in names
    grown = {k: seen(*k) - v for k, v in before.items()}
    assert grown == {(ROUTE, "GET", 401): 1, (ROUTE, "GET", 200): 2, (ROUTE, "GET", 400): 1,
                     (UNMATCHED, "GET", 404): 1, ("/gone", "GET", CLIENT_GONE): 1}
