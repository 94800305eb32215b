"""Cross-site writes, DNS rebinding and the bearer token, refused before any handler runs."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.api.errors import json_errors
from services.api.guards import allowed_hosts, require_token, site_guard
from shared.platform.settings import Settings


async def _ok(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def _app(**settings: object) -> web.Application:
    s = Settings(**settings)
    app = web.Application(middlewares=[json_errors, site_guard(s), require_token(s.api_token)])
    app.router.add_post("/api/data-jobs", _ok)
    app.router.add_get("/api/data-jobs", _ok)
    app.router.add_get("/api/openapi.json", _ok)
    return app


@pytest.fixture
async def client():
    clients: list[TestClient] = []

    async def make(**settings: object) -> TestClient:
        c = TestClient(TestServer(_app(**settings), host="127.0.0.1"))
        await c.start_server()
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.close()


async def test_a_text_plain_or_form_post_gets_415(client):
    c = await client()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        resp = await c.post("/api/data-jobs", data=b'{"a": 1}', headers={"Content-Type": content_type})
        body = await resp.json()
        assert resp.status == 415 and body["field"] == "Content-Type", (content_type, body)
    resp = await c.post("/api/data-jobs", json={"a": 1})
    assert resp.status == 200
    # An empty form still declares its type; a write with no body and no type (a DELETE) has nothing to refuse.
    resp = await c.post("/api/data-jobs", data=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 415
    resp = await c.post("/api/data-jobs", skip_auto_headers=["Content-Type"])
    assert resp.status == 200


async def test_a_cross_origin_post_gets_403_and_the_own_origin_is_taken(client):
    c = await client()
    resp = await c.post("/api/data-jobs", json={}, headers={"Origin": "https://evil.example"})
    assert resp.status == 403 and (await resp.json())["field"] == "Origin"
    own = f"http://127.0.0.1:{c.server.port}"
    assert (await c.post("/api/data-jobs", json={}, headers={"Origin": own})).status == 200
    c2 = await client(allowed_origins="https://lab.example, https://notebook.example")
    assert (await c2.post("/api/data-jobs", json={}, headers={"Origin": "https://lab.example"})).status == 200
    assert (await c2.post("/api/data-jobs", json={}, headers={"Origin": "https://evil.example"})).status == 403


async def test_a_rebinding_host_gets_421_on_loopback_and_named_hosts_pass(client):
    c = await client(api_host="127.0.0.1")
    resp = await c.get("/api/data-jobs", headers={"Host": "attacker.example:8080"})
    assert resp.status == 421 and (await resp.json())["field"] == "Host"
    for host in ("localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST"):
        assert (await c.get("/api/data-jobs", headers={"Host": host})).status == 200, host
    c2 = await client(api_host="0.0.0.0", allowed_hosts="candles.lab.example")
    assert (await c2.get("/api/data-jobs", headers={"Host": "candles.lab.example"})).status == 200
    assert (await c2.get("/api/data-jobs", headers={"Host": "other.example"})).status == 421


async def test_a_method_a_path_has_no_route_for_gets_405_not_a_write_refusal(client):
    c = await client()
    for method in ("PUT", "DELETE", "PATCH"):
        resp = await c.request(method, "/api/openapi.json", data=b"x", headers={"Content-Type": "text/plain"})
        body = await resp.json()
        assert resp.status == 405 and resp.headers["Allow"] == "GET,HEAD" and body["field"] == "method", body
    assert (await c.put("/api/nowhere", data=b"x")).status == 404


def test_any_host_is_served_when_bound_to_every_interface_with_no_list():
    assert allowed_hosts(Settings(api_host="0.0.0.0")) is None
    assert allowed_hosts(Settings(api_host="localhost")) == {"localhost", "127.0.0.1", "::1"}


async def test_a_wrong_or_missing_token_gets_401_with_www_authenticate(client):
    c = await client(api_token="s3cret")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "s3cret"}):
        resp = await c.get("/api/data-jobs", headers=headers)
        assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer"), headers
    assert (await c.get("/api/data-jobs", headers={"Authorization": "Bearer s3cret"})).status == 200
    assert (await c.get("/api/openapi.json")).status == 200  # the contract is public


def test_an_empty_token_is_a_start_up_error(monkeypatch):
    from shared.platform.settings import get_settings

    monkeypatch.setenv("API_TOKEN", "")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit, match="API_TOKEN: is set but empty"):
            get_settings()
    finally:
        get_settings.cache_clear()
