"""Every service process answers /metrics in Prometheus text format, /livez and /readyz on its own
metrics port; the API also on its main port."""

from __future__ import annotations

import asyncio

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from services.launcher.supervisor import SERVICES
from tests.integration.client import run_job

PAYLOAD = {"exchange": "kraken", "symbol": "ETH/USD", "timeframe": "30m",
           "start_timestamp": "2026-11-16T00:00:00Z", "end_timestamp": "2026-11-18T00:00:00Z",
           "options": {"seed_from_zip": False}}


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
async def test_the_counters_show_a_job_its_exchange_calls_and_its_rows(system):
    workers = ("fetcher", "rebuilder")
    before = {name: await scrape(await system.metrics_url(name)) for name in (*workers, "writer", "coverage")}
    view, _ = await run_job(system.api, PAYLOAD)
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
