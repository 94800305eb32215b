"""The answers the handlers build are what the document says: each view of a row, and every error body
(an ApiError, aiohttp's own 404 and 405, a failure) with `field` a string."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator, FormatChecker

from services.api.errors import ApiError, json_errors
from services.api.openapi.document import document
from services.api.views import (
    coverage_view,
    downloads,
    dump_files,
    intervals_page,
    job_created,
    job_summary,
    job_view,
)
from shared.ledger.intervals import Interval
from shared.ledger.store import RowTimeline
from shared.ledger.timeline import Segment

COMPONENTS = document()["components"]
T0, T1 = datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 20, 12, 30, 15, 123456, tzinfo=UTC)
JOB = {"id": uuid.uuid4(), "job_type": "trade_rebuild", "status": "completed", "exchange": "kraken",
       "symbol": "BTC/USD", "timeframe": "1m", "start_ts": T0, "end_ts": T1, "progress": 0.123456,
       "submitted_at": T0, "finished_at": T1, "parent_id": None, "options": {"timeframes": ["1h"]},
       "details": {"messages": ["hello"], "validation": {
           "validation_id": str(uuid.uuid4()), "status": "completed", "updated_at": "2026-11-20T12:31:00Z",
           "timeframes": ["1m", "1h"], "ok": True, "reports": {"1m": {"ok": True}}}},
       "result": {"rows": 3, "artifacts": [{"type": "parquet", "path": "file:///lake/part-0.parquet"}]},
       "error": None, "started_at": T0, "last_event_seq": 9}


def valid(name: str, instance: object) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": COMPONENTS}
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(instance)


def test_the_job_as_created_listed_and_viewed():
    created = job_created(JOB["id"], "queued", T1)
    valid("JobCreated", created)
    assert created == {"id": str(JOB["id"]), "status": "queued", "submitted_at": "2026-11-20T12:30:15Z",
                       "resumed_from": None, "deduplicated": False}
    summary = job_summary(JOB)
    valid("JobSummary", summary)
    assert summary["progress"] == 0.1235 and summary["end_timestamp"] == "2026-11-20T12:30:15Z"
    view = job_view(JOB)
    valid("JobView", view)
    assert view["details"] == {"last_timestamp": None, "batches_completed": 0, "messages": ["hello"]}
    assert view["result"]["rows"] == 3 and view["result"]["not_fetched"] == [] and view["validation"]["ok"]
    fresh = job_view(JOB | {"details": {}, "result": {}, "status": "queued", "finished_at": None})
    valid("JobView", fresh)
    assert fresh["validation"] is None and fresh["result"]["artifacts"] == []


def test_the_downloads_the_coverage_rows_and_the_dump_files():
    links = downloads(JOB)
    valid("Downloads", links)
    assert [d["url"].rsplit("?", 1)[1] for d in links["downloads"]] == [
        "timeframe=1m&format=parquet", "timeframe=1m&format=csv", "timeframe=1h&format=parquet",
        "timeframe=1h&format=csv"]
    row = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m", "start_ts": T0, "end_ts": T1, "rows": 5,
           "last_job_id": JOB["id"], "last_sync_at": T1, "validated_at": None}
    stored = coverage_view(RowTimeline(row, [Segment(0, 60_000, "data", "zip"), Segment(60_000, 120_000, "missing", None)],
                                       missing_stretches=1, merged_stretches=0))
    valid("CoverageRow", stored)
    assert stored["timeline"][1] == {"start_timestamp": "1970-01-01T00:01:00Z", "end_timestamp":
                                     "1970-01-01T00:02:00Z", "state": "missing", "source": None,
                                     "provisional": False, "stretches": 1, "shares": {}}
    assert stored["intervals_url"] == "/api/data-coverage/intervals?exchange=kraken&symbol=BTC%2FUSD&timeframe=1m"
    page = intervals_page([Interval(0, 60_000, "data", "zip")], [Interval(0, 60_000, "data", "zip")], 1,
                          {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m"})
    valid("IntervalsPage", page)
    assert page["next"].endswith("&after=1970-01-01T00%3A01%3A00Z")
    file = {"kind": "ohlcvt", "name": "Kraken_OHLCVT.zip", "sha256": "ab", "size": 10, "cached_at": T0}
    member = {"member": "XBTUSD_1.csv", "altname": "XBTUSD", "minutes": 1, "first_ts": T0, "last_ts": T1, "rows": 2}
    files = dump_files([file | member, file | member | {"member": "XBTUSD_5.csv", "minutes": 5},
                        {**file, "name": "empty.zip"} | dict.fromkeys(member)])
    for f in files:
        valid("DumpFile", f)
    assert [len(f["members"]) for f in files] == [2, 0]


async def _fail(request: web.Request) -> web.Response:
    raise RuntimeError("boom")


async def _refuse(request: web.Request) -> web.Response:
    raise ApiError(409, "action", "no", "conflict")


@pytest.fixture
async def client():
    app = web.Application(middlewares=[json_errors])
    app.router.add_get("/fail", _fail)
    app.router.add_get("/refuse", _refuse)
    c = TestClient(TestServer(app, host="127.0.0.1"))
    await c.start_server()
    yield c
    await c.close()


@pytest.mark.parametrize(("method", "path", "status", "field"), [
    ("GET", "/fail", 500, "body"), ("GET", "/refuse", 409, "action"), ("GET", "/nowhere", 404, "path"),
    ("POST", "/refuse", 405, "method")])
async def test_every_error_body_has_the_error_schema(client, method, path, status, field):
    resp = await client.request(method, path)
    body = await resp.json()
    valid("ErrorBody", body)
    assert resp.status == status and body["field"] == field, body
    assert "boom" not in str(body)
    if status == 405:
        assert resp.headers["Allow"] == "GET,HEAD" and body["error"] == "method_not_allowed"
