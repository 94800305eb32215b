"""Scale-out on one machine: 3 replicas each of the fetcher, the rebuilder and the writer run six jobs
against the simulator at Kraken's rate limit, every call taking its turn from the shared budget. Each
replica handles work, the lake and the ledger are those of a run with one replica of each, no candle
is doubled, and Kraken (the simulator) refused no call."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime

import aiohttp
import nats
from nats.js.errors import NotFoundError

from tests.chaos.compare import compare
from tests.chaos.snapshot import quiescent, snapshot_of
from tests.integration.client import follow, get_json, submit
from tests.integration.rebuilds import rebuild_request
from tests.integration.system import isolated_system
from tests.integration.times import iso
from tests.kraken_sim import RateLimit

SCALED = ("fetcher", "rebuilder", "writer")
REPLICAS = 3
KRAKEN_LIMIT = RateLimit(burst=15.0, decay=1.0)
# The services' budget at its defaults, which are Kraken's limits (the tests' systems run it faster).
KRAKEN_BUDGET = {"KRAKEN_BUDGET_BURST": "15", "KRAKEN_BUDGET_DECAY": "1"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+00:00")


def fetch(symbol: str, start: str, end: str) -> dict:
    """A fetch job inside REST's 1h window: one OHLC call, four batches for the writers."""
    return {"exchange": "kraken", "symbol": symbol, "timeframe": "1h", "start_timestamp": iso(at(start)),
            "end_timestamp": iso(at(end)), "options": {"seed_from_zip": False}}


def rebuild(symbol: str, start: str, end: str) -> dict:
    return rebuild_request(at(start), at(end), symbol, timeframes=["5m"])


# Three of each kind, so that each replica of a kind takes one when they arrive together; the two
# BTC/USD jobs of each kind overlap, so writers merge into the same partitions at once.
JOBS = {
    "fetch-btc-a": fetch("BTC/USD", "2026-11-10T00:00:00", "2026-11-13T00:00:00"),
    "fetch-btc-b": fetch("BTC/USD", "2026-11-12T00:00:00", "2026-11-15T00:00:00"),
    "fetch-eth": fetch("ETH/USD", "2026-11-10T00:00:00", "2026-11-14T00:00:00"),
    "rebuild-btc-a": rebuild("BTC/USD", "2026-11-19T18:00:00", "2026-11-19T21:00:00"),
    "rebuild-btc-b": rebuild("BTC/USD", "2026-11-19T20:00:00", "2026-11-19T23:00:00"),
    "rebuild-eth": rebuild("ETH/USD", "2026-11-19T18:00:00", "2026-11-19T22:00:00"),
}


async def all_pulling(nats_url: str, replicas: int, timeout: float = 120.0) -> None:
    """Waits until every replica of each worker has a pull request waiting on its work queue: a job
    sent before a replica is up would go to the others."""
    consumers = {("JOBS", "fetcher"), ("JOBS", "rebuilder"), ("CANDLES", "writer")}
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for _ in range(int(timeout / 0.2)):
            try:
                waiting = [(await js.consumer_info(stream, name)).num_waiting for stream, name in consumers]
            except NotFoundError:
                waiting = [0]
            if min(waiting) >= replicas:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"not every replica is pulling work: {waiting}")
    finally:
        await nc.close()


async def run_jobs(sys_, replicas: int) -> tuple[dict, dict[str, set[str]]]:
    """Submits the six jobs at once and follows them; their views and, per kind, the replicas that worked."""
    await all_pulling(sys_.env["NATS_URL"], replicas)
    jobs = await asyncio.gather(*(submit(sys_.api, body) for body in JOBS.values()))
    event_lists = await asyncio.gather(*(follow(sys_.api, job["id"]) for job in jobs))
    assert await quiescent(sys_.env["NATS_URL"])
    views = {name: await get_json(sys_.api, f"/api/data-jobs/{job['id']}")
             for name, job in zip(JOBS, jobs, strict=True)}
    workers: dict[str, set[str]] = defaultdict(set)
    for event in (e for events in event_lists for e in events):
        if event["type"] == "job.started":
            workers[event["data"]["worker"]].add(event["data"]["instance"])
        elif event["type"] == "batch.written":
            workers["writer"].add(event["data"]["instance"])
    return views, workers


async def sim_stats(sim_url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as http, http.get(f"{sim_url}/_sim/stats") as resp:
        return await resp.json()


async def test_three_replicas_of_each_worker_share_the_work_and_kraken_budget(simulator_factory,
                                                                             tmp_path_factory):
    async with simulator_factory(rate_limit=None) as sim, isolated_system(sim.url, tmp_path_factory) as sys_:
        views, _ = await run_jobs(sys_, 1)
        reference = await snapshot_of(sys_.env["DATABASE_URL"], sys_.lake, views, {})

    async with simulator_factory(rate_limit=KRAKEN_LIMIT) as sim, isolated_system(
            sim.url, tmp_path_factory, replicas=dict.fromkeys(SCALED, REPLICAS), **KRAKEN_BUDGET) as sys_:
        views, workers = await run_jobs(sys_, REPLICAS)
        scaled = await snapshot_of(sys_.env["DATABASE_URL"], sys_.lake, views, {})
        stats = await sim_stats(sim.url)

    assert {name: view["status"] for name, view in views.items()} == dict.fromkeys(JOBS, "completed")
    for kind in SCALED:
        assert workers[kind] == {f"{kind}-{i}" for i in range(1, REPLICAS + 1)}, (kind, workers[kind])
    # What is stored, not each job's figures: an overlapping job planned while its twin's candles were
    # still on their way plans more of its range, in one run and not the other.
    found = compare(reference, scaled)
    assert (found.lost, found.duplicated, found.extra, found.ledger) == (0, 0, 0, 0), found.examples
    assert sum(len(rows) for rows in scaled.candles.values()) > 0 and scaled.ledger
    assert stats["rate_limited"] == 0, stats
