"""The five services as separate processes, for end-to-end tests: started, killed and restarted one
by one, with each one's log kept for the failure report; on shared servers or on servers of their own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from services.launcher.embedded import free_port, start_nats
from services.launcher.supervisor import SERVICES
from tests.integration.servers import fresh_database


class System:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.api = f"http://127.0.0.1:{env['API_PORT']}"

    def start(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
        self.procs[name] = subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        proc.send_signal(sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            proc.wait(20)

    def kill_stopped(self, name: str) -> None:
        self.kill(name, signal.SIGKILL)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    async def metrics_url(self, name: str, timeout: float = 60) -> str:
        """Where the service's /metrics, /livez and /readyz answer: the port its latest start logged
        (METRICS_PORT=0 here, so each process has a free one). The API being ready says nothing of
        the others, so this waits for the line."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for line in reversed((self.log_dir / f"{name}.log").read_text().splitlines()):
                if '"service.started"' in line:
                    return f"http://127.0.0.1:{json.loads(line)['metrics_port']}"
            if self.procs[name].poll() is not None or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{name} did not log service.started\n{self.logs()}")
            await asyncio.sleep(0.3)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.log_dir.glob("*.log")))

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(f"{self.api}/readyz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
                if dead or asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"system not ready (exited: {dead})\n{self.logs()}")
                await asyncio.sleep(0.3)

    def start_all(self) -> None:
        for name in SERVICES:
            self.start(name)


@contextlib.asynccontextmanager
async def running_system(simulator_url: str, database_url: str, nats_url: str, tmp_path_factory, **extra: str):
    """The five services as processes on the given servers; `extra` adds settings (e.g. dump sources)."""
    lake = tmp_path_factory.mktemp("lake")
    logs = tmp_path_factory.mktemp("logs")
    env = {
        "DATABASE_URL": database_url, "NATS_URL": nats_url, "STORAGE_URL": lake.as_uri(),
        "KRAKEN_API_URL": simulator_url, "KRAKEN_RATE_LIMIT_MS": "20", "EXCHANGE_BACKOFF_BASE_S": "0.05",
        "API_PORT": str(free_port()), "BATCH_ROWS": "20", "LOG_LEVEL": "info", "ACK_WAIT_S": "4",
        "METRICS_PORT": "0", **extra,
    }
    sys_ = System(env, logs)
    sys_.lake = lake
    sys_.start_all()
    try:
        await sys_.wait_ready()
        yield sys_
    finally:
        sys_.stop_all()


@contextlib.asynccontextmanager
async def isolated_system(simulator_url: str, tmp_path_factory, **extra: str):
    """The whole system on a NATS server and a database of its own, for a module that sets its own
    settings (dump sources, limits) or needs a ledger nobody else writes to."""
    nats_proc, nats_url = start_nats(tmp_path_factory.mktemp("nats"))
    try:
        async with fresh_database() as database_url, running_system(
                simulator_url, database_url, nats_url, tmp_path_factory, **extra) as sys_:
            yield sys_
    finally:
        nats_proc.terminate()
