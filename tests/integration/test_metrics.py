"""Every service process answers /metrics in Prometheus text format, /livez and /readyz on its own
metrics port; the API also on its main port. After an end-to-end job the counters show that job, its
exchange calls and its rows, and the API its requests and its event stream."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from services.coverage.job_metrics import sample_jobs
from services.launcher.supervisor import SERVICES
from shared.platform.db import create_pool
from tests.integration.client import get_json, run_job
from tests.integration.servers import fresh_database
from tests.integration.system import isolated_system

PAYLOAD = {"exchange": "kraken", "symbol": "ETH/USD", "timeframe": "30m",
           "start_timestamp": "2026-11-16T00:00:00Z", "end_timestamp": "2026-11-18T00:00:00Z",
           "options": {"seed_from_zip": False}}


@pytest.fixture(scope="module")
async def system(simulator, tmp_path_factory):
    """A system of its own: its counters then count this module's jobs alone, whatever other modules
    left queued in the shared database (the API tests queue jobs that no worker of theirs takes)."""
    async with isolated_system(simulator.url, tmp_path_factory) as own:
        yield own


async def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of the scrape, keyed by name and labels."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
        assert resp.status == 200 and resp.content_type == "text/plain", resp.content_type
        text = await resp.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in samples.items()
               if n == name and all(dict(lbls).get(k) == want for k, want in labels.items()))


async def status_of(http: aiohttp.ClientSession, url: str, within_s: float = 20) -> tuple[int, str]:
    """The probe's answer, once it is 200 or the time is up (readiness waits for the first check)."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        async with http.get(url) as resp:
            answer = resp.status, await resp.text()
        if answer[0] == 200 or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.5)


async def test_every_service_answers_metrics_livez_and_readyz_on_its_own_port(system):
    async with aiohttp.ClientSession() as http:
        for name in SERVICES:
            url = await system.metrics_url(name)
            for probe in ("/livez", "/readyz"):
                assert (await status_of(http, f"{url}{probe}"))[0] == 200, (name, probe)
            samples = await scrape(url)
            assert total(samples, "candles_nats_connected") == 1, name
            assert total(samples, "candles_dependency_up") == 2, name
        main = await scrape(system.api)  # the API's main port too
        assert total(main, "candles_http_request_duration_seconds_count", route="/readyz") > 0
async def settled(api: str, within_s: float = 120) -> None:
    """No job of an earlier test still queued or running: this one's calls are then the only ones."""
    deadline = asyncio.get_running_loop().time() + within_s
    while any(j["status"] in ("queued", "running") for j in await get_json(api, "/api/data-jobs?limit=100")):
        assert asyncio.get_running_loop().time() < deadline, "jobs of earlier tests are still running"
        await asyncio.sleep(0.5)


async def test_the_counters_show_a_job_its_exchange_calls_and_its_rows(system):
    workers = ("fetcher", "rebuilder")
    await settled(system.api)
    before = {name: await scrape(await system.metrics_url(name)) for name in (*workers, "writer", "coverage", "api")}
    streams_open: list[float] = []

    async def while_streaming(event: dict) -> None:
        if not streams_open:
            streams_open.append(total(await scrape(system.api), "candles_sse_streams_open"))

    view, _ = await run_job(system.api, PAYLOAD, on_event=while_streaming)
    assert view["status"] == "completed", view
    after = {name: await scrape(await system.metrics_url(name)) for name in before}

    def grew(name: str, metric: str, **labels: str) -> float:
        return total(after[name], metric, **labels) - total(before[name], metric, **labels)

    assert grew("coverage", "candles_jobs_finished_total", job_type="fetch", status="completed") == 1
    assert grew("coverage", "candles_job_duration_seconds_count", job_type="fetch", status="completed") == 1
    calls = sum(grew(w, "candles_exchange_calls_total") for w in workers)
    assert calls == view["result"]["exchange_calls"] > 0, view["result"]
    assert sum(grew(w, "candles_exchange_calls_total", outcome="ok") for w in workers) == calls
    assert grew("writer", "candles_rows_written_total", timeframe="30m") == view["result"]["rows"] > 0
    assert grew("writer", "candles_batches_written_total") >= 1
    assert grew("writer", "candles_writer_merge_seconds_count") >= 1
    assert streams_open == [1]  # this job's event stream, while it was open
    assert grew("api", "candles_http_request_duration_seconds_count", route="/api/data-jobs", method="POST",
                status="201") == 1
    assert grew("api", "candles_http_request_duration_seconds_count", route="/api/data-jobs/{id}/events") == 1
    assert total(after["api"], "candles_sse_streams_open") == 0
    for durable in ("fetcher", "rebuilder"):  # each worker samples its consumer's backlog
        assert ("candles_consumer_pending", (("durable", durable), ("stream", "JOBS"))) in after[durable]
        assert ("candles_consumer_ack_pending", (("durable", durable), ("stream", "JOBS"))) in after[durable]


async def test_the_job_gauges_count_queued_and_running_jobs_and_the_longest_quiet_one():
    """Sampled from data_jobs: a parent waiting for its open child is not quiet; its child is."""
    async with fresh_database() as url:
        pool = await create_pool(url, max_size=2)
        try:
            insert = ("INSERT INTO data_jobs (id, job_type, parent_id, exchange, symbol, timeframe, start_ts, end_ts,"
                      " status, updated_at) VALUES ($1, $2, $3, 'kraken', 'BTC/USD', '1h', now(), now(), $4,"
                      " now() - $5 * interval '1 second')")
            parent, lone = uuid.uuid4(), uuid.uuid4()
            await pool.execute(insert, parent, "fetch", None, "running", 5000)
            await pool.execute(insert, uuid.uuid4(), "trade_rebuild", parent, "running", 700)
            await pool.execute(insert, lone, "fetch", None, "running", 300)
            await pool.execute(insert, uuid.uuid4(), "trade_rebuild", None, "queued", 10)
            await pool.execute(insert, uuid.uuid4(), "fetch", None, "completed", 9000)
            await sample_jobs(pool)
        finally:
            await pool.close()

    def gauge(name: str, job_type: str) -> float:
        return REGISTRY.get_sample_value(name, {"job_type": job_type})

    assert (gauge("candles_jobs_running", "fetch"), gauge("candles_jobs_running", "trade_rebuild")) == (2, 1)
    assert (gauge("candles_jobs_queued", "fetch"), gauge("candles_jobs_queued", "trade_rebuild")) == (0, 1)
    assert 300 <= gauge("candles_job_idle_seconds", "fetch") < 400  # not the parent's 5000
    assert 700 <= gauge("candles_job_idle_seconds", "trade_rebuild") < 800
