"""Bit-for-bit reproducible candles through the whole system: two overlapping rebuilds of the same
trades run at once, and a rebuild whose rebuilder is killed (-9) mid-job, leave in the lake candles
whose every float has the bits a single uninterrupted run stored. Before volumes and vwaps were summed
exactly, the overlapping pair stored ETH/USD candles off in the last bits (129.50828500999998 for
129.50828501), since their pages cut the buckets elsewhere."""

from __future__ import annotations

import asyncio
import struct
from datetime import datetime, timedelta

from tests.integration.candles import truth
from tests.integration.client import follow, get_json, lake_rows, run_job, submit
from tests.integration.rebuilds import MINUTES, close_enough, rebuild_request, rebuilt
from tests.integration.times import NOW

SYMBOL = "ETH/USD"
FLOATS = ("open", "high", "low", "close", "volume", "vwap")


def stored_bits(lake, start: datetime, end: datetime) -> dict[str, list[tuple]]:
    """Every stored candle of [start, end) per timeframe, its floats as their IEEE-754 bytes."""
    return {tf: [(r["ts"], *(struct.pack("<d", r[f]) for f in FLOATS), r["trades"], r["source"])
                 for r in lake_rows(lake, SYMBOL, tf) if start <= r["ts"] < end] for tf in MINUTES}


async def _completed(system, job_id: str, on_event=None) -> list[dict]:
    events = await follow(system.api, job_id, on_event=on_event)
    view = await get_json(system.api, f"/api/data-jobs/{job_id}")
    assert view["status"] == "completed" and view["result"]["rows"], (view, system.logs())
    return events


# 54 to 50 days back, where no other test writes this pair: the candles compared are these jobs' own.
async def test_overlapping_and_restarted_rebuilds_store_the_single_runs_bits(system, simulator):
    start, end = NOW - timedelta(hours=1300), NOW - timedelta(hours=1204)
    view, _ = await run_job(system.api, rebuild_request(start, end, SYMBOL))
    assert view["status"] == "completed", view
    single = stored_bits(system.lake, start, end)
    assert all(single.values()) and sum(r[-2] for r in single["1h"]) > 3000  # four pages: one killed after the second
    for tf, minutes in MINUTES.items():  # and they are the simulator's own candles
        assert close_enough(rebuilt(lake_rows(system.lake, SYMBOL, tf), start, end),
                            truth(simulator, SYMBOL, minutes, start, end)), tf

    # Two jobs at once over overlapping parts, cut off the bucket edges: their pages, and the
    # buckets each completes, fall elsewhere than the single run's; each writes the candles it holds.
    cut_a, cut_b = start + timedelta(hours=37, minutes=13, seconds=13), start + timedelta(hours=61, minutes=7, seconds=7)
    jobs = [await submit(system.api, rebuild_request(start, cut_b, SYMBOL)),
            await submit(system.api, rebuild_request(cut_a, end, SYMBOL))]
    await asyncio.gather(*(_completed(system, job["id"]) for job in jobs))
    assert stored_bits(system.lake, start, end) == single

    # The whole range again, the rebuilder killed -9 after its second page and started again: it
    # resumes from its checkpoint, whose open buckets hold the exact sums it had reached.
    killed: list[int] = []

    async def kill_once(event: dict) -> None:
        if event["type"] == "job.progress" and not killed and event["data"].get("calls", 0) >= 2:
            system.kill("rebuilder")
            killed.append(event["data"]["calls"])
            await asyncio.sleep(0.5)
            system.start("rebuilder")

    again = await submit(system.api, rebuild_request(start, end, SYMBOL))
    events = await _completed(system, again["id"], on_event=kill_once)
    assert killed and any(e["type"] == "job.started" and e["data"].get("resumed") for e in events)
    assert stored_bits(system.lake, start, end) == single
