"""The servers of the integration tier: a nats-server -js of its own on a random port with a temporary
store, a fresh PostgreSQL database per session, the Kraken simulator, the whole system, and Chromium."""

from __future__ import annotations

from functools import partial

import pytest

from services.launcher.embedded import start_nats
from tests.integration.servers import fresh_database
from tests.integration.system import running_system
from tests.integration.times import SIM_NOW

CHROMIUM = "/usr/bin/chromium"
# As a headless Chromium must start on a machine with no way out: no background traffic, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory):
    proc, url = start_nats(tmp_path_factory.mktemp("nats"))
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
async def database_url():
    async with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
async def simulator():
    from tests.kraken_sim import running_simulator

    # No rate limit here: the fault tests press it on purpose, these tests are about the flow.
    async with running_simulator(seed=7, now=SIM_NOW, rate_limit=None) as sim:
        yield sim


@pytest.fixture(scope="session")
async def system(simulator, database_url, nats_url, tmp_path_factory):
    async with running_system(simulator.url, database_url, nats_url, tmp_path_factory) as sys_:
        yield sys_


@pytest.fixture
def simulator_factory():
    """A fresh simulator per use, for tests that set faults or rate limits of their own."""
    from tests.kraken_sim import running_simulator

    return partial(running_simulator, seed=11, now=SIM_NOW)


@pytest.fixture(scope="module")
async def chromium():
    """Debian's Chromium driven by Playwright; a test that uses it is marked `browser` (tests/conftest.py)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
