"""Runs the five services as child processes, restarts one that dies, and stops them all on request."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import structlog

from services.launcher.ownership import die_with_parent, record_pids
from shared.platform.settings import METRICS_PORTS

log = structlog.get_logger()
SERVICES = ("coverage", "writer", "fetcher", "rebuilder", "api")
STOP_GRACE_S = 15.0
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 30.0
# A child that ran this long was healthy: its next crash is a new incident, restarted at once again.
HEALTHY_RUN_S = 30.0


def restart_delay(last_delay: float | None, ran_s: float) -> float:
    """The wait before restarting a child that ran `ran_s`: doubling while it keeps crashing, back to
    the first delay once it has run healthily."""
    if last_delay is None or ran_s >= HEALTHY_RUN_S:
        return FIRST_BACKOFF_S
    return min(last_delay * 2, MAX_BACKOFF_S)


def metrics_env(service: str, configured: str | None) -> dict[str, str]:
    """METRICS_PORT of one child. Unset, each service takes its own default (METRICS_PORTS) and 0 a
    free port; a port N is the first of the services' ports, in the order of the defaults, since the
    services of one machine cannot share one."""
    if not configured or int(configured) == 0:
        return {}
    return {"METRICS_PORT": str(int(configured) + list(METRICS_PORTS).index(service))}


class Supervisor:
    def __init__(self, env: dict[str, str], services: tuple[str, ...] = SERVICES,
                 pids_file: Path | None = None) -> None:
        self.env = {**os.environ, **env}
        self.services = services
        self.pids_file = pids_file
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.stopping = False

    async def _spawn(self, name: str) -> None:
        self.procs[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"services.{name}", env=self.env | metrics_env(name, self.env.get("METRICS_PORT")),
            preexec_fn=die_with_parent)
        record_pids(self.pids_file, [p.pid for p in self.procs.values()])
        log.info("service.spawned", service=name, pid=self.procs[name].pid)

    async def _watch(self, name: str) -> None:
        delay: float | None = None
        while not self.stopping:
            started = time.monotonic()
            code = await self.procs[name].wait()
            if self.stopping:
                return
            ran_s = time.monotonic() - started
            delay = restart_delay(delay, ran_s)
            log.warning("service.exited", service=name, code=code, ran_s=round(ran_s, 1), restart_in_s=delay)
            await asyncio.sleep(delay)
            if not self.stopping:
                await self._spawn(name)

    async def run(self, stop: asyncio.Event) -> None:
        for name in self.services:
            await self._spawn(name)
        watchers = [asyncio.create_task(self._watch(n)) for n in self.services]
        await stop.wait()
        await self.stop()
        for w in watchers:
            w.cancel()

    async def stop(self) -> None:
        self.stopping = True
        running = [p for p in self.procs.values() if p.returncode is None]
        for proc in running:
            proc.terminate()
        try:
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in running)), STOP_GRACE_S)
        except TimeoutError:
            for proc in running:
                if proc.returncode is None:
                    proc.kill()
        log.info("services.stopped")
