"""Runs the five services as child processes, restarts one that dies, and stops them all on request."""

from __future__ import annotations

import asyncio
import os
import sys

import structlog

log = structlog.get_logger()
SERVICES = ("coverage", "writer", "fetcher", "rebuilder", "api")
STOP_GRACE_S = 15.0


class Supervisor:
    def __init__(self, env: dict[str, str], services: tuple[str, ...] = SERVICES) -> None:
        self.env = {**os.environ, **env}
        self.services = services
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.stopping = False

    async def _spawn(self, name: str) -> None:
        self.procs[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"services.{name}", env=self.env)
        log.info("service.spawned", service=name, pid=self.procs[name].pid)

    async def _watch(self, name: str) -> None:
        backoff = 1.0
        while not self.stopping:
            code = await self.procs[name].wait()
            if self.stopping:
                return
            log.warning("service.exited", service=name, code=code, restart_in_s=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
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
