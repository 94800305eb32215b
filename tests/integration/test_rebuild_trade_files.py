"""Kraken's trading history given as a plain `<ALTNAME>.csv` (as unpacked from its ZIP), handed over to
the Trades API right after the CSV's last whole second: a plain CSV does not say where it was cut."""

from __future__ import annotations

import math
import zipfile
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from tests.integration.candles import truth
from tests.integration.client import follow, get_json, lake_rows, submit
from tests.integration.rebuilds import MINUTES, close_enough, rebuild_request, rebuilt
from tests.integration.system import isolated_system
from tests.integration.times import CUTOFF, iso, ns


@pytest.fixture(scope="module")
async def csv_system(simulator, tmp_path_factory):
    zips, folder = tmp_path_factory.mktemp("trades-zip"), tmp_path_factory.mktemp("trades-csv")
    (path,) = simulator.write_dumps(zips, names=("Kraken_Trading_History.zip",), pairs=["BTC/USD"],
                                    start="2026-09-29T00:00:00Z")
    with zipfile.ZipFile(path) as archive:
        archive.extract("XBTUSD.csv", folder)
    async with isolated_system(simulator.url, tmp_path_factory, KRAKEN_TRADES_SOURCE=str(folder)) as system:
        yield system


def split_at_csv_end(simulator, start: datetime, end: datetime) -> tuple[datetime, int, int]:
    """The CSV's last whole second, and the trades of the range before it and from it on."""
    last_second = datetime.fromtimestamp(int(simulator.trades("BTC/USD", ns(start), ns(CUTOFF)).ts_ns[-1] // 10**9),
                                         UTC)
    return (last_second, simulator.trades("BTC/USD", ns(start), ns(last_second)).n,
            simulator.trades("BTC/USD", ns(last_second), ns(end)).n)


async def test_a_plain_csv_hands_over_to_the_api_after_its_last_whole_second(csv_system, simulator):
    start, end = CUTOFF - timedelta(hours=12), CUTOFF + timedelta(hours=6)
    last_second, in_csv, from_api = split_at_csv_end(simulator, start, end)
    calls_before = simulator.stats().get("Trades", 0)
    job = await submit(csv_system.api, rebuild_request(start, end))
    events = await follow(csv_system.api, job["id"])
    view = await get_json(csv_system.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed", (view, csv_system.logs())
    fetched = next(e["data"] for e in events if e["type"] == "job.fetched")
    assert (fetched["dump_trades"], fetched["trades"]) == (in_csv, in_csv + from_api)
    assert simulator.stats().get("Trades", 0) - calls_before <= math.ceil(from_api / 1000) + 1
    assert any(f"dump covers up to {iso(last_second)}" in e["data"]["text"] for e in events
               if e["type"] == "job.message")
    progress = [e["data"] for e in events if e["type"] == "job.progress"]
    assert progress[0]["trades"] == progress[0]["dump_trades"] == in_csv and progress[0]["last_timestamp"]
    for tf, minutes in MINUTES.items():
        assert close_enough(rebuilt(lake_rows(csv_system.lake, "BTC/USD", tf), start, end),
                            truth(simulator, "BTC/USD", minutes, start, end)), tf


async def test_a_dry_run_counts_no_trades_call_for_the_part_the_csv_holds(csv_system, simulator):
    start, end = CUTOFF - timedelta(hours=12), CUTOFF + timedelta(hours=6)
    last_second, in_csv, from_api = split_at_csv_end(simulator, start, end)
    calls_before = simulator.stats().get("Trades", 0)
    payload = rebuild_request(start, end)
    payload["options"] |= {"dry_run": True}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{csv_system.api}/api/data-jobs", json=payload) as resp:
            preview = await resp.json()
    assert resp.status == 200, preview
    estimate = preview["estimate"]
    # Only the part after the CSV is counted, from Kraken's 1d counts (the range is older than the 1h
    # reach): whole days exactly, the two cut ones in proportion. No Trades call at all.
    assert estimate["dump_part"] == {"start_timestamp": iso(start), "end_timestamp": iso(last_second), "calls": 0}
    assert estimate["start_timestamp"] == iso(last_second) and estimate["counted_from"] == ["1d"]
    assert simulator.stats().get("Trades", 0) == calls_before
    day_ms = 86_400_000
    lo, hi = int(last_second.timestamp() * 1000), int(end.timestamp() * 1000)
    days = {r[0] * 1000: r[7] for r in simulator.committed_ohlc("BTC/USD", 1440, lo // 1000 - 86_400, hi // 1000)}
    want = sum(n * (min(hi, t + day_ms) - max(lo, t)) / day_ms for t, n in days.items() if t < hi and t + day_ms > lo)
    assert estimate["trades"] == round(want), (estimate, want, from_api, in_csv)
    assert estimate["calls"] == estimate["trades"] // 1000 + 1 == preview["calls"]
