"""The whole system for end-to-end tests: the five services as processes, against the simulator."""

from __future__ import annotations

import contextlib
from functools import partial

import pytest

from services.launcher.embedded import free_port, start_nats
from tests.conftest import fresh_database
from tests.integration.system import System

SIM_NOW = "2026-11-20T12:00:00Z"


@pytest.fixture(scope="session")
async def simulator():
    from tests.kraken_sim import running_simulator

    # No rate limit here: the fault tests press it on purpose, these tests are about the flow.
    async with running_simulator(seed=7, now=SIM_NOW, rate_limit=None) as sim:
        yield sim


@contextlib.asynccontextmanager
async def running_system(simulator_url: str, database_url: str, nats_url: str, tmp_path_factory, **extra: str):
    """The five services as processes on the given servers; `extra` adds settings (e.g. dump sources)."""
    lake = tmp_path_factory.mktemp("lake")
    logs = tmp_path_factory.mktemp("logs")
    env = {
        "DATABASE_URL": database_url, "NATS_URL": nats_url, "STORAGE_URL": lake.as_uri(),
        "KRAKEN_API_URL": simulator_url, "KRAKEN_RATE_LIMIT_MS": "20", "EXCHANGE_BACKOFF_BASE_S": "0.05",
        "API_PORT": str(free_port()), "BATCH_ROWS": "20", "LOG_LEVEL": "info", "ACK_WAIT_S": "4", **extra,
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


@pytest.fixture(scope="session")
async def system(simulator, database_url, nats_url, tmp_path_factory):
    async with running_system(simulator.url, database_url, nats_url, tmp_path_factory) as sys_:
        yield sys_


@pytest.fixture
def simulator_factory():
    """A fresh simulator per use, for tests that set faults or rate limits of their own."""
    from tests.kraken_sim import running_simulator

    return partial(running_simulator, seed=11, now=SIM_NOW)
