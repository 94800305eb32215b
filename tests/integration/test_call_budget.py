"""The shared call budget against real PostgreSQL: turns taken by replicas at once, judged by the
simulator's own model of Kraken's counter; and a replica killed with turns booked holds nobody up."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import asyncpg
import pytest

from shared.kraken.budget import CallBudget
from shared.platform.db import create_pool
from shared.platform.settings import Settings
from tests.integration.servers import fresh_database
from tests.kraken_sim.ratelimit import RateLimit, RateLimiter

# Fast enough for a test, slow enough that a tenth of a second of scheduling noise stays inside the margin.
BURST, DECAY, MARGIN = 5.0, 10.0, 1.0
REPLICAS, TURNS = 6, 5


def settings(url: str = "http://kraken.test") -> Settings:
    return Settings(kraken_api_url=url, kraken_budget_burst=BURST, kraken_budget_decay=DECAY,
                    kraken_budget_margin=MARGIN)


@pytest.fixture
async def database_url():
    async with fresh_database() as url:
        pool = await create_pool(url)  # the migrations
        await pool.close()
        yield url


async def replica(url: str, times: list[float]) -> None:
    """One replica: a pool of its own, its turns one after the other, as a worker's calls are."""
    async with asyncpg.create_pool(url, min_size=1, max_size=1) as pool:
        budget = CallBudget(pool, settings())
        for _ in range(TURNS):
            await budget.turn()
            times.append(time.monotonic())


async def test_turns_of_replicas_at_once_stay_within_the_counter_and_use_it(database_url):
    times: list[float] = []
    await asyncio.gather(*(replica(database_url, times) for _ in range(REPLICAS)))
    times.sort()
    clock = [times[0]]
    judge = RateLimiter(RateLimit(burst=BURST, decay=DECAY), clock=lambda: clock[0])
    refused = 0
    for t in times:
        clock[0] = t
        refused += not judge.allow("one IP")
    assert refused == 0
    # And no turn waits longer than the counter needs: all but the first burst go out at the decay rate.
    least = (REPLICAS * TURNS - (BURST - MARGIN)) / DECAY
    assert times[-1] - times[0] <= least + 1.0, (times[-1] - times[0], least)


async def test_each_exchange_api_has_a_budget_of_its_own(database_url):
    async with asyncpg.create_pool(database_url, min_size=1, max_size=2) as pool:
        one, other = CallBudget(pool, settings("http://a.test")), CallBudget(pool, settings("http://b.test"))
        waits = [await one.book() for _ in range(int(BURST - MARGIN) + 1)]
        assert waits[:-1] == [0.0] * int(BURST - MARGIN) and waits[-1] > 0
        assert await other.book() == 0.0


HOG = """
import asyncio, sys
import asyncpg
from shared.kraken.budget import CallBudget
from shared.platform.settings import Settings

async def main():
    async with asyncpg.create_pool(sys.argv[1], min_size=1, max_size=1) as pool:
        budget = CallBudget(pool, Settings(kraken_api_url="http://kraken.test", kraken_budget_burst=5,
                                           kraken_budget_decay=10, kraken_budget_margin=1))
        while True:
            wait = await budget.book()
            print(f"booked {wait:.3f}", flush=True)
            await asyncio.sleep(wait)

asyncio.run(main())
"""


async def test_a_replica_killed_with_turns_booked_holds_nobody_up(database_url):
    hog = await asyncio.create_subprocess_exec(sys.executable, "-c", HOG, database_url,
                                               stdout=subprocess.PIPE)
    try:
        for _ in range(8):  # well past the burst: it is waiting for a turn when it dies
            assert (await hog.stdout.readline()).startswith(b"booked")
    finally:
        hog.send_signal(signal.SIGKILL)
        await hog.wait()
    async with asyncpg.create_pool(database_url, min_size=1, max_size=1) as pool:
        budget = CallBudget(pool, settings())
        # The dead replica's booked turns decay like calls: the next turn is at most one burst away,
        # and after that the budget serves at its full rate again.
        assert await budget.book() <= (BURST - MARGIN + 1) / DECAY
        await asyncio.sleep((BURST + 1) / DECAY)
        assert await budget.book() == 0.0
        locks = await pool.fetchval("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                                    " WHERE c.relname = 'exchange_call_budget'")
        assert locks == 0
