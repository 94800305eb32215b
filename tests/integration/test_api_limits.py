"""The API's limits: a request identical to an active job's returns that job, the queue takes a capped
number of jobs in all and per client, a job has one validation open at a time, event streams are
capped, and a stream of a job that has ended ends, whatever Last-Event-ID said."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.api.app import create_app
from services.api.state import EVENTS, POOL
from services.coverage.catch_up import project_job
from services.launcher.embedded import start_nats
from shared.platform.settings import Settings
from tests.integration.servers import fresh_database

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def request(days_back: int) -> dict:
    start = NOW - timedelta(days=days_back)
    return {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h", "start_timestamp": start.isoformat(),
            "end_timestamp": (start + timedelta(days=1)).isoformat()}


@pytest.fixture
async def api(tmp_path):
    """An API with no workers behind it: what it queues stays queued. Small caps, to reach them."""
    nats_proc, nats_url = start_nats(tmp_path / "nats")
    async with fresh_database() as database_url:
        settings = Settings(database_url=database_url, nats_url=nats_url, metrics_port=0, storage_url=(tmp_path / "lake").as_uri(),
                            max_queued_jobs=8, max_queued_jobs_per_client=5, max_event_streams=6,
                            max_event_streams_per_client=3)
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            yield client
        finally:
            await client.close()
            nats_proc.terminate()


async def _project(api: TestClient, job_id: str) -> None:
    """What the coverage service does on the job's events (no service runs here): its status moves."""
    await project_job(api.app[POOL], api.app[EVENTS], UUID(job_id))


async def _jobs(api: TestClient) -> list[dict]:
    return await (await api.get("/api/data-jobs?limit=500")).json()


async def test_two_hundred_parallel_submissions_of_one_request_give_one_job(api):
    answers = await asyncio.gather(*(api.post("/api/data-jobs", json=request(10)) for _ in range(200)))
    bodies = [await a.json() for a in answers]
    assert sorted({a.status for a in answers}) == [200, 201]
    assert [a.status for a in answers].count(201) == 1
    assert len({b["id"] for b in bodies}) == 1
    assert all(b["deduplicated"] == (a.status == 200) for a, b in zip(answers, bodies, strict=True))
    assert len(await _jobs(api)) == 1
    # Another range is another job; the confirm flag does not make a request another one.
    assert (await api.post("/api/data-jobs", json=request(11))).status == 201
    again = await api.post("/api/data-jobs", json=request(10) | {"options": {"confirm": True}})
    assert again.status == 200 and (await again.json())["id"] == bodies[0]["id"]


async def test_past_the_queue_caps_the_answer_is_429_with_retry_after(api):
    for day in range(5):
        assert (await api.post("/api/data-jobs", json=request(20 + day))).status == 201
    refused = await api.post("/api/data-jobs", json=request(30))
    body = await refused.json()
    assert refused.status == 429 and int(refused.headers["Retry-After"]) > 0, body
    assert body["field"] == "queued_jobs" and "per client" in body["reason"]
    assert len(await _jobs(api)) == 5  # nothing was created


async def test_a_second_validation_while_one_is_open_is_refused(api):
    created = await (await api.post("/api/data-jobs", json=request(40))).json()
    action = f"/api/data-jobs/{created['id']}/actions"
    assert (await api.post(action, json={"action": "cancel"})).status == 200
    await _project(api, created["id"])
    first = await api.post(action, json={"action": "validate"})
    assert first.status == 202, await first.json()
    second = await api.post(action, json={"action": "validate"})
    assert second.status == 409 and "already queued or running" in (await second.json())["reason"]


async def test_a_stream_of_an_ended_job_ends_whatever_last_event_id_said(api):
    created = await (await api.post("/api/data-jobs", json=request(50))).json()
    await api.post(f"/api/data-jobs/{created['id']}/actions", json={"action": "cancel"})
    events = f"/api/data-jobs/{created['id']}/events"
    for last in ("0", "1", "2", "999999"):
        resp = await asyncio.wait_for(api.get(events, headers={"Last-Event-ID": last}), 10)
        text = await asyncio.wait_for(resp.text(), 10)  # the stream ends: the body is whole
        assert resp.status == 200 and ("job.cancelled" in text) == (last in ("0", "1")), (last, text)
    for bad in ("2147483648", "-1", "x"):
        resp = await api.get(events, headers={"Last-Event-ID": bad})
        assert resp.status == 400 and (await resp.json())["field"] == "Last-Event-ID", bad


async def test_past_the_stream_cap_the_answer_is_429(api):
    created = await (await api.post("/api/data-jobs", json=request(60))).json()
    events = f"/api/data-jobs/{created['id']}/events"
    open_streams = [await api.get(events) for _ in range(3)]  # the job is queued: they stay open
    assert [s.status for s in open_streams] == [200, 200, 200]
    refused = await api.get(events)
    assert refused.status == 429 and refused.headers["Retry-After"]
    assert (await refused.json())["field"] == "event_streams"
    open_streams[0].close()
    await asyncio.sleep(0.5)  # the server notices the client going and frees its slot
    for _ in range(20):
        again = await api.get(events)
        if again.status == 200:
            break
        await asyncio.sleep(0.25)
    assert again.status == 200
    for stream in [*open_streams[1:], again]:
        stream.close()
