"""python -m services.demo (make demo): the whole system against the bundled Kraken simulator. Submits
BTC/USD 1h for the last 10 days, prints progress from the SSE stream, then a summary."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from services.demo.report import follow_progress, summary
from services.launcher.embedded import free_port, wait_for_port
from services.launcher.infra import infrastructure
from services.launcher.supervisor import Supervisor
from shared.platform.log import setup_logging
from shared.platform.settings import get_settings

DATA = Path("data/demo")


async def wait_ready(http: aiohttp.ClientSession, api: str, timeout_s: float = 90) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        try:
            async with http.get(f"{api}/readyz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit(f"the API at {api} did not become ready within {timeout_s:.0f} s")


async def submit_and_follow(api: str) -> dict:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    payload = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h",
               "start_timestamp": (end - timedelta(days=10)).isoformat(), "end_timestamp": end.isoformat()}
    async with aiohttp.ClientSession() as http:
        await wait_ready(http, api)
        async with http.post(f"{api}/api/data-jobs", json=payload) as resp:
            job = await resp.json()
            if resp.status != 201:
                raise SystemExit(f"the job was refused: {job}")
        print(f"submitted job {job['id']}: BTC/USD 1h {payload['start_timestamp']} .. {payload['end_timestamp']}")
        await follow_progress(http, api, job["id"])
        async with http.get(f"{api}/api/data-jobs/{job['id']}") as resp:
            return await resp.json()


async def run(env: dict[str, str], api: str) -> dict:
    stop = asyncio.Event()
    system = asyncio.create_task(Supervisor(env).run(stop))
    try:
        return await submit_and_follow(api)
    finally:
        stop.set()
        await system


def main() -> None:
    settings = get_settings()
    setup_logging("demo", "warning")
    sim_port, api_port = free_port(), free_port()
    sim = subprocess.Popen([sys.executable, "-m", "tests.kraken_sim", "--host", "127.0.0.1",
                            "--port", str(sim_port), "--now", "real"])
    try:
        wait_for_port(sim_port, sim, "kraken simulator")
        with infrastructure(settings, DATA) as env:
            env |= {"KRAKEN_API_URL": f"http://127.0.0.1:{sim_port}", "API_PORT": str(api_port),
                    "STORAGE_URL": os.environ.get("STORAGE_URL", (DATA / "lake").resolve().as_uri()),
                    "LOG_LEVEL": os.environ.get("LOG_LEVEL", "warning"),
                    # Free ports, like the API's: a demo runs beside a `make run` on the defaults.
                    "METRICS_PORT": os.environ.get("METRICS_PORT", "0")}
            job = asyncio.run(run(env, f"http://127.0.0.1:{api_port}"))
    finally:
        sim.terminate()
        sim.wait(10)
    print(summary(job))
    sys.exit(0 if job["status"] == "completed" and job["result"]["rows"] > 0 else 1)


if __name__ == "__main__":
    main()
