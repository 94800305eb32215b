"""Every bad request gets a 4xx JSON naming the field and the reason, and creates nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.api.app import create_app
from services.api.state import EVENTS
from services.launcher.embedded import start_nats
from shared.jobs.asyncapi import document
from shared.jobs.events.catalog import EVENT_TYPES
from shared.platform.settings import Settings
from tests.asyncapi_schema import asyncapi_errors

NOW = datetime.now(UTC).replace(microsecond=0)
GOOD = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h",
        "start_timestamp": (NOW - timedelta(days=3)).isoformat(), "end_timestamp": NOW.isoformat()}


@pytest.fixture(scope="module")
async def api(database_url, tmp_path_factory):
    # A NATS of its own: the jobs queued here must not reach the workers of the end-to-end tests.
    nats_proc, nats_url = start_nats(tmp_path_factory.mktemp("api-nats"))
    settings = Settings(database_url=database_url, nats_url=nats_url, metrics_port=0)
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    yield client
    await client.close()
    nats_proc.terminate()


async def _jobs(api) -> int:
    resp = await api.get("/api/data-jobs?limit=500")
    return len(await resp.json())


BAD = [
    ({"exchange": "binance"}, 422, "exchange", "unknown exchange"),
    ({"symbol": "DOGE/XYZ"}, 422, "symbol", "unknown pair"),
    ({"timeframe": "7m"}, 422, "timeframe", "unknown timeframe"),
    ({"start_timestamp": NOW.isoformat(), "end_timestamp": (NOW - timedelta(days=1)).isoformat()}, 422,
     "end_timestamp", "after start_timestamp"),
    ({"end_timestamp": (NOW + timedelta(days=1)).isoformat()}, 422, "end_timestamp", "future"),
    ({"timeframe": "1m", "start_timestamp": (NOW - timedelta(days=6 * 366)).isoformat()}, 422, "end_timestamp",
     "maximum for 1m"),
    ({"surprise": 1}, 422, "surprise", "unknown field"),
    ({"options": {"seed_from_zip": True, "turbo": True}}, 422, "options.turbo", "unknown field"),
    ({"start_timestamp": "yesterday"}, 422, "start_timestamp", "datetime"),
    ({"start_timestamp": "2024-01-01T00:00:00"}, 422, "start_timestamp", "timezone"),
    ({"start_timestamp": None}, 422, "start_timestamp", "unless options.full_history or options.refresh"),
    ({"end_timestamp": None}, 422, "end_timestamp", "unless options.refresh"),
    ({"options": {"full_history": True, "refresh": True}}, 422, "options.refresh", "cannot be combined"),
    ({"options": {"include_trades": True}}, 422, "options.include_trades", "trade_rebuild jobs only"),
    ({"options": {"dry_run": "maybe"}}, 422, "options.dry_run", "boolean"),
    # Found by fuzzing: each once gave a 500, or was taken when it should be refused.
    ({"exchange": "kraken\x00"}, 422, "exchange", "printable characters"),
    ({"symbol": "BTC\x00/USD"}, 422, "symbol", "printable characters"),
    ({"start_timestamp": "0001-01-01T00:00:00+01:00"}, 422, "start_timestamp", "outside the supported range"),
    ({"start_timestamp": "1969-12-31T00:00:00Z"}, 422, "start_timestamp", "between 1970-01-01"),
    ({"options": {"dry_run": "yes"}}, 422, "options.dry_run", "boolean"),
    ({"options": {"seed_from_zip": 1}}, 422, "options.seed_from_zip", "boolean"),
]


@pytest.mark.parametrize(("change", "status", "field", "reason"), BAD)
async def test_bad_job_requests_are_refused(api, change, status, field, reason):
    before = await _jobs(api)
    resp = await api.post("/api/data-jobs", json=GOOD | change)
    body = await resp.json()
    assert resp.status == status, body
    assert body["field"] == field
    assert reason.lower() in body["reason"].lower(), body
    assert await _jobs(api) == before


async def test_an_error_quotes_no_more_than_a_short_excerpt_of_the_input(api):
    resp = await api.post("/api/data-jobs", json=GOOD | {"symbol": "B" * 1_000_000})
    body = await resp.json()
    assert resp.status == 422 and body["field"] == "symbol" and len(await resp.read()) < 300, body


@pytest.mark.parametrize(("path", "field"), [
    ("/api/markets?exchange=%00", "exchange"),
    ("/api/data-coverage?exchange=kraken&symbol=BTC%00", "symbol"),
    ("/api/data-coverage?exchange=kraken&timeframe=" + "x" * 5000, "timeframe"),
    ("/api/data-jobs?limit=abc", "limit"),
    ("/api/data-jobs?limit=0", "limit"),
])
async def test_bad_query_parameters_get_400_naming_them(api, path, field):
    resp = await api.get(path)
    body = await resp.json()
    assert resp.status == 400 and body["field"] == field, body


async def test_writes_from_other_sites_or_not_json_are_refused_and_create_nothing(api):
    before = await _jobs(api)
    plain = await api.post("/api/data-jobs", data=orjson.dumps(GOOD), headers={"Content-Type": "text/plain"})
    assert plain.status == 415 and (await plain.json())["field"] == "Content-Type"
    form = await api.post("/api/data-jobs", data={"exchange": "kraken"})
    assert form.status == 415
    cross = await api.post("/api/data-jobs", json=GOOD, headers={"Origin": "https://evil.example"})
    assert cross.status == 403 and (await cross.json())["field"] == "Origin"
    rebound = await api.get("/api/data-jobs", headers={"Host": "evil.example:8080"})
    assert rebound.status == 421
    assert await _jobs(api) == before


async def test_missing_field_is_named(api):
    resp = await api.post("/api/data-jobs", json={k: v for k, v in GOOD.items() if k != "symbol"})
    assert resp.status == 422
    assert (await resp.json())["field"] == "symbol"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
async def test_malformed_json(api, raw):
    resp = await api.post("/api/data-jobs", data=raw, headers={"Content-Type": "application/json"})
    body = await resp.json()
    assert resp.status == 400
    assert body["field"] == "body" and body["error"] == "malformed_json"


async def test_non_uuid_job_id(api):
    for path in ("/api/data-jobs/not-a-uuid", "/api/data-jobs/42/events"):
        resp = await api.get(path)
        body = await resp.json()
        assert resp.status == 400 and body["field"] == "id" and "UUID" in body["reason"]


async def test_unknown_job_is_404(api):
    resp = await api.get("/api/data-jobs/00000000-0000-4000-8000-000000000000")
    assert resp.status == 404 and (await resp.json())["field"] == "id"


async def test_good_request_is_queued_and_readable(api):
    resp = await api.post("/api/data-jobs", json=GOOD)
    created = await resp.json()
    assert resp.status == 201 and created["status"] == "queued"
    view = await (await api.get(f"/api/data-jobs/{created['id']}")).json()
    assert view["symbol"] == "BTC/USD" and view["status"] in ("queued", "running", "failed", "completed")
    assert set(view["details"]) == {"last_timestamp", "batches_completed", "messages"}
    assert set(view["result"]) >= {"rows", "start_timestamp", "end_timestamp", "artifacts"}


async def test_metadata_endpoints(api):
    exchanges = await (await api.get("/api/exchanges")).json()
    assert exchanges[0]["id"] == "kraken" and "1m" in exchanges[0]["timeframes"]
    markets = await (await api.get("/api/markets?exchange=kraken")).json()
    assert {m["symbol"]: m["exchange_id"] for m in markets}["BTC/USD"] == "XXBTZUSD"
    assert (await api.get("/healthz")).status == 200
    ready = await api.get("/readyz")
    assert ready.status == 200 and (await ready.json())["checks"] == {"postgres": "ok", "nats": "ok"}
    doc = await (await api.get("/api/openapi.json")).json()
    assert "/api/data-jobs" in doc["paths"] and "JobRequest" in doc["components"]["schemas"]
    assert {"/api/asyncapi.json", "/api/event-types"} <= set(doc["paths"])
    missing = await api.get("/api/data-coverage")
    assert missing.status == 400 and (await missing.json())["field"] == "exchange"


async def test_the_bus_contract_is_served(api):
    resp = await api.get("/api/asyncapi.json")
    doc = await resp.json()
    assert resp.status == 200 and doc["asyncapi"] == "3.0.0" and asyncapi_errors(doc) == []
    assert doc == orjson.loads(orjson.dumps(document()))
    names = await (await api.get("/api/event-types")).json()
    assert names == {"types": list(EVENT_TYPES), "terminal": ["job.cancelled", "job.completed", "job.failed"]}


async def test_job_that_cannot_be_queued_is_refused_and_failed(database_url, tmp_path):
    nats_proc, nats_url = start_nats(tmp_path / "nats")
    client = TestClient(TestServer(create_app(Settings(database_url=database_url, nats_url=nats_url, metrics_port=0))))
    await client.start_server()
    try:
        nats_proc.terminate()
        nats_proc.wait(10)
        # A range of its own: the same request as an earlier test's queued job would get that job back.
        own = GOOD | {"start_timestamp": (NOW - timedelta(days=4)).isoformat()}
        resp = await client.post("/api/data-jobs", json=own)
        body = await resp.json()
        assert resp.status == 503 and body["field"] == "job_queue", body
        ready = await client.get("/readyz")  # says what is down, not its exception text
        assert ready.status == 503 and (await ready.json())["checks"] == {"postgres": "ok", "nats": "unavailable"}
        latest = (await (await client.get("/api/data-jobs?limit=1")).json())[0]
        events = await client.app[EVENTS].after(uuid.UUID(latest["id"]), 0)
        assert [e.type for e in events] == ["job.queued", "job.failed"]
        assert "could not queue" in events[-1].data.error
    finally:
        await client.close()
