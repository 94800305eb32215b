"""A real worker's /livez follows its NATS connection: inside NATS_LOST_S of losing it the worker is
still live (the client reconnects), past it /livez fails, and it recovers once NATS is back. (A loop
blocked past LIVENESS_STALL_S: tests/unit/shared/service/test_health.py.)"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from services.launcher.embedded import free_port, start_nats
from tests.integration.servers import fresh_database
from tests.integration.system import System

LOST_S = 2.0


async def until(http: aiohttp.ClientSession, url: str, status: int, within_s: float) -> dict:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        async with http.get(url) as resp:
            body = json.loads(await resp.text())
            if resp.status == status:
                return body
        assert asyncio.get_running_loop().time() < deadline, f"{url} did not answer {status}: {body}"
        await asyncio.sleep(0.2)


async def test_a_worker_that_lost_nats_past_its_window_fails_livez_and_recovers(tmp_path_factory):
    store, port = tmp_path_factory.mktemp("nats"), free_port()
    nats_proc, nats_url = start_nats(store, port)
    logs = tmp_path_factory.mktemp("logs")
    try:
        async with fresh_database() as database_url:
            system = System({"DATABASE_URL": database_url, "NATS_URL": nats_url, "API_PORT": str(free_port()),
                             "STORAGE_URL": tmp_path_factory.mktemp("lake").as_uri(), "METRICS_PORT": "0",
                             "NATS_LOST_S": str(LOST_S), "LOG_LEVEL": "info"}, logs)
            system.start("writer")
            try:
                url = await system.metrics_url("writer")
                async with aiohttp.ClientSession() as http:
                    await until(http, f"{url}/readyz", 200, 30)
                    nats_proc.terminate()
                    nats_proc.wait(10)
                    gone_at = asyncio.get_running_loop().time()
                    async with http.get(f"{url}/livez") as resp:
                        if asyncio.get_running_loop().time() - gone_at < LOST_S:  # inside the window
                            assert resp.status == 200, await resp.text()
                    lost = await until(http, f"{url}/livez", 503, 20)
                    assert lost["nats_lost_s"] > LOST_S and lost["loop_stalled_s"] < 1, lost
                    await until(http, f"{url}/readyz", 503, 10)
                    nats_proc, _ = await asyncio.to_thread(start_nats, store, port)
                    await until(http, f"{url}/livez", 200, 30)
                    await until(http, f"{url}/readyz", 200, 30)
                assert system.procs["writer"].poll() is None, system.logs()
            finally:
                system.stop_all()
    finally:
        nats_proc.terminate()
