"""What every trial runs: one mixed fetch job (the OHLCVT dump, a child trade rebuild, REST) over
BTC/USD and one trade rebuild through a burst of more than 1,000 trades in one millisecond, both
small enough for a trial to take seconds, with the simulator that serves them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import numpy as np

from tests.integration.client import submit
from tests.kraken_sim import running_simulator

SIM_SEED = 5
# 20 hours after the full dump's cut-off (the start of Q4): REST's 720 minutes start at 08:01, so
# trades fill the eight hours between the dump's end and them.
SIM_NOW = "2026-10-01T20:00:00Z"
NOW = datetime.fromisoformat(SIM_NOW.replace("Z", "+00:00"))
CUTOFF = datetime(2026, 10, 1, tzinfo=UTC)
MIXED = (CUTOFF - timedelta(hours=1), CUTOFF + timedelta(hours=10))
SYMBOL = "BTC/USD"
REBUILD_TIMEFRAMES = ["5m", "15m", "1h"]
BURST = 1000  # a page of Kraken's Trades holds 1,000 trades
TERMINAL = ("completed", "failed", "cancelled")
NS = 1_000_000_000


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def burst_window(sim, before: datetime = MIXED[0], days: int = 30) -> tuple[datetime, datetime]:
    """Twelve hours around the newest millisecond before `before` that holds more trades than a page."""
    day = int(before.timestamp()) // 86400 * 86400
    for _ in range(days):
        day -= 86400
        trades = sim.trades(SYMBOL, day * NS, (day + 86400) * NS)
        ms, counts = np.unique(trades.ts_ns // 1_000_000, return_counts=True)
        if counts.size and counts.max() > BURST:
            hour = int(ms[counts.argmax()]) // 3_600_000 * 3600
            start = datetime.fromtimestamp(hour - 6 * 3600, UTC)
            return start, start + timedelta(hours=12)
    raise RuntimeError(f"no burst of more than {BURST} trades in one millisecond in {days} days")


def mixed_job() -> dict:
    return {"exchange": "kraken", "symbol": SYMBOL, "timeframe": "1m", "start_timestamp": iso(MIXED[0]),
            "end_timestamp": iso(MIXED[1])}


def rebuild_job(window: tuple[datetime, datetime]) -> dict:
    return {"job_type": "trade_rebuild", "exchange": "kraken", "symbol": SYMBOL, "timeframe": "1m",
            "start_timestamp": iso(window[0]), "end_timestamp": iso(window[1]),
            "options": {"timeframes": REBUILD_TIMEFRAMES, "confirm": True}}


@contextlib.asynccontextmanager
async def workload_simulator(folder: Path) -> AsyncIterator:
    """The simulator every run of one invocation shares, with its OHLCVT dump written to `folder`."""
    async with running_simulator(seed=SIM_SEED, now=SIM_NOW, rate_limit=None) as sim:
        sim.dump_folder = folder
        await asyncio.to_thread(sim.write_dumps, folder, names=("Kraken_OHLCVT.zip",), pairs=[SYMBOL],
                                intervals=(1, 60), start=iso(CUTOFF - timedelta(days=1)))
        sim.burst_window = burst_window(sim)
        yield sim


async def submit_both(api: str, sim) -> list[str]:
    jobs = [await submit(api, mixed_job()), await submit(api, rebuild_job(sim.burst_window))]
    return [job["id"] for job in jobs]


async def job_view(api: str, job_id: str) -> dict | None:
    """The job as the API shows it, or None while the API (or what it reads) is down."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http, \
                http.get(f"{api}/api/data-jobs/{job_id}") as resp:
            return await resp.json() if resp.status == 200 else None
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
        return None


async def wait_ended(api: str, job_ids: list[str], timeout: float) -> dict[str, dict | None]:
    """Each job's last view once all have ended, or when the time is up (a job still running then
    counts as not completed)."""
    deadline = asyncio.get_running_loop().time() + timeout
    views: dict[str, dict | None] = dict.fromkeys(job_ids)
    while True:
        for job_id in job_ids:
            if views[job_id] is None or views[job_id]["status"] not in TERMINAL:
                views[job_id] = await job_view(api, job_id) or views[job_id]
        if all(v is not None and v["status"] in TERMINAL for v in views.values()):
            return views
        if asyncio.get_running_loop().time() > deadline:
            return views
        await asyncio.sleep(0.5)
