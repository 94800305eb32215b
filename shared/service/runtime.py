"""What every service process does around its own work: logging, the connections, and a clean stop on
SIGTERM or SIGINT (finish the message in hand, drain NATS, close the pool)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from shared.jobs.events.log import EventLog
from shared.platform.bus import Bus
from shared.platform.db import create_pool
from shared.platform.log import setup_logging
from shared.platform.settings import Settings, get_settings
from shared.service.health import serving_health


@dataclass
class Runtime:
    settings: Settings
    pool: asyncpg.Pool
    bus: Bus
    events: EventLog
    stop: asyncio.Event


def _require(value: str | None, name: str) -> str:
    if not value:
        raise SystemExit(f"{name} is not set: start the whole system with `make run`, or set {name}")
    return value


def require_connections(settings: Settings) -> Settings:
    _require(settings.database_url, "DATABASE_URL")
    _require(settings.nats_url, "NATS_URL")
    return settings


@asynccontextmanager
async def connected(name: str, settings: Settings):
    require_connections(settings)
    pool = await create_pool(settings.database_url)
    bus = await Bus.connect(settings.nats_url, name)
    try:
        yield Runtime(settings, pool, bus, EventLog(pool, bus), asyncio.Event())
    finally:
        await bus.close()
        await pool.close()


def run_service(name: str, main: Callable[[Runtime], Awaitable[None]]) -> None:
    settings = get_settings()
    log = setup_logging(name, settings.log_level)

    async def runner() -> None:
        async with connected(name, settings) as rt, serving_health(name, settings, rt.pool, rt.bus) as port:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, rt.stop.set)
            log.info("service.started", metrics_port=port)
            await main(rt)
            log.info("service.stopping")

    asyncio.run(runner())
