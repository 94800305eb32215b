"""One trial's whole system: a PostgreSQL server and a nats-server of its own, a fresh lake, and the
five services as processes. Any part can be killed -9 and started again on the same port and store;
the whole stack can be stopped with SIGTERM and started again. A service that exits on its own is
started again after a second, as the launcher does (services/launcher/supervisor.py), and noted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from pathlib import Path

from services.launcher.embedded import free_port, start_nats
from services.launcher.supervisor import SERVICES
from tests.chaos.postgres import Postgres
from tests.integration.system import System

INFRA = ("nats", "postgres")
PARTS = (*SERVICES, *INFRA)
RESPAWN_S = 1.0
STOP_GRACE_S = 15.0


class Stack:
    def __init__(self, folder: Path, pg_template: Path, sim) -> None:
        self.folder = folder
        self.lake = folder / "lake"
        self.nats_store = folder / "nats"
        self.nats_port = free_port()
        self.postgres = Postgres(pg_template, folder / "pg", free_port())
        self.nats: subprocess.Popen | None = None
        logs = folder / "logs"
        logs.mkdir(parents=True)
        self.system = System({
            "DATABASE_URL": self.postgres.url, "NATS_URL": f"nats://127.0.0.1:{self.nats_port}",
            "STORAGE_URL": self.lake.as_uri(), "KRAKEN_API_URL": sim.url,
            "KRAKEN_OHLCVT_SOURCE": str(sim.dump_folder), "KRAKEN_RATE_LIMIT_MS": "20",
            "KRAKEN_TIMEOUT_MS": "3000", "EXCHANGE_BACKOFF_BASE_S": "0.05", "EXCHANGE_BACKOFF_MAX_S": "1",
            "API_PORT": str(free_port()), "BATCH_ROWS": "20", "ACK_WAIT_S": "4", "LOG_LEVEL": "info",
            "METRICS_PORT": "0",
        }, logs)
        self.down: set[str] = set(PARTS)  # parts stopped on purpose: the watcher leaves them alone
        self.respawned: list[str] = []    # services that exited on their own and were started again
        self._watcher: asyncio.Task | None = None

    @property
    def api(self) -> str:
        return self.system.api

    @property
    def nats_url(self) -> str:
        return self.system.env["NATS_URL"]

    async def start(self) -> None:
        await self.start_part("postgres")
        await self.start_part("nats")
        for name in SERVICES:
            await self.start_part(name)
        self._watcher = asyncio.create_task(self._watch())
        await self.system.wait_ready()

    async def start_part(self, name: str) -> None:
        if name == "postgres":
            await asyncio.to_thread(self.postgres.start)
        elif name == "nats":
            self.nats, _ = await asyncio.to_thread(start_nats, self.nats_store, self.nats_port)
        else:
            self.system.start(name)
        self.down.discard(name)

    async def kill(self, name: str) -> None:
        """kill -9, at once."""
        self.down.add(name)
        if name == "postgres":
            await asyncio.to_thread(self.postgres.kill)
        elif name == "nats":
            self.nats.kill()
            await asyncio.to_thread(self.nats.wait, 10)
        else:
            self.system.procs[name].kill()
            await asyncio.to_thread(self.system.procs[name].wait, 10)

    async def terminate_all(self) -> list[str]:
        """SIGTERM to every part at once, as when the machine or its orchestrator stops them; returns the
        parts that had to be killed after STOP_GRACE_S."""
        self.down.update(PARTS)
        procs = {name: self.system.procs[name] for name in SERVICES}
        procs["nats"] = self.nats
        procs["postgres"] = self.postgres.proc
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        return [name for name, ok in zip(procs, await asyncio.gather(
            *(asyncio.to_thread(_stopped_within, proc, STOP_GRACE_S) for proc in procs.values())),
            strict=True) if not ok]

    async def start_all(self) -> None:
        for name in ("postgres", "nats", *SERVICES):
            await self.start_part(name)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            for name in SERVICES:
                proc = self.system.procs.get(name)
                if name not in self.down and proc is not None and proc.poll() is not None:
                    self.respawned.append(f"{name}({proc.returncode})")
                    await asyncio.sleep(RESPAWN_S)
                    if name not in self.down:  # unless the trial stopped it meanwhile (it starts it itself)
                        await self.start_part(name)

    async def close(self) -> None:
        """Everything killed at once: the stack is thrown away, what it left has been read."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        self.down.update(PARTS)
        for proc in self.system.procs.values():
            if proc.poll() is None:
                proc.kill()
        if self.nats is not None and self.nats.poll() is None:
            self.nats.kill()
        await asyncio.to_thread(self.postgres.kill)
        for proc in [*self.system.procs.values(), self.nats]:
            if proc is not None:
                await asyncio.to_thread(proc.wait, 10)


def _stopped_within(proc: subprocess.Popen, grace: float) -> bool:
    try:
        proc.wait(grace)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        return False
