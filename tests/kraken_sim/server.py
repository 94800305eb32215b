"""Serving the simulator inside the current event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from .api import create_app
from .ratelimit import DEFAULT_RATE_LIMIT, RateLimit
from .sim import DEFAULT_NOW, Simulator


async def start_server(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
    """Listen on host:port (0 = a free port); sets sim.url. Stop with runner.cleanup()."""
    # A short shutdown timeout: a call stalled by a `slow` fault must not hold up cleanup.
    runner = web.AppRunner(create_app(sim), access_log=None, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    sim.url = f"http://{host}:{bound_port}"
    return runner


@asynccontextmanager
async def running_simulator(seed: int = 1, now: str | float | None = DEFAULT_NOW,
                            faults: str | dict | None = None,
                            rate_limit: RateLimit | tuple[float, float] | None = DEFAULT_RATE_LIMIT,
                            host: str = "127.0.0.1", port: int = 0, **options) -> AsyncIterator[Simulator]:
    """Start a simulator server on a free port; yields the Simulator (sim.url is set).
    options: speed, dump_cutoff, slow_seconds, catalogue (see Simulator)."""
    sim = Simulator(seed=seed, now=now, faults=faults, rate_limit=rate_limit, **options)
    runner = await start_server(sim, host, port)
    try:
        yield sim
    finally:
        await runner.cleanup()
        sim.url = None
