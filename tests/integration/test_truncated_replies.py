"""Kraken answers cut short are bad answers, retried like any other: a job whose market load, or whose
first two exchange calls, get a truncated reply completes with Kraken's candles (ccxt reads a cut-short
AssetPairs body as no markets at all, which once failed the job for good: "not a market")."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.integration.candles import stored, truth
from tests.integration.client import lake_rows, run_job
from tests.integration.system import isolated_system
from tests.integration.times import NOW, iso

pytestmark = pytest.mark.integration


# The fetcher asks for Kraken's clock (its plan), then the market list: ccxt loads Assets, then
# AssetPairs, so [None, None, "truncated"] cuts the market list itself.
@pytest.mark.parametrize("script", [[None, None, "truncated"], ["truncated", "truncated"]], ids=["market-list", "first-two"])
async def test_a_job_whose_first_replies_are_cut_short_completes(simulator_factory, tmp_path_factory, script):
    async with simulator_factory(faults=None, rate_limit=None) as sim, \
            isolated_system(sim.url, tmp_path_factory) as system:
        for _ in range(100):  # the coverage service's own market sync goes first: the faults are the job's
            if sim.stats().get("AssetPairs", 0):
                break
            await asyncio.sleep(0.1)
        before = sim.stats()
        sim.script_faults(script)
        start, end = NOW - timedelta(days=3), NOW - timedelta(days=1)
        view, _ = await run_job(system.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h",
                                             "start_timestamp": iso(start), "end_timestamp": iso(end)})
        assert view["status"] == "completed", (view, system.logs())
        assert sim.stats()["fault:truncated"] - before.get("fault:truncated", 0) == script.count("truncated")
        assert stored(lake_rows(system.lake, "BTC/USD", "1h")) == truth(sim, "BTC/USD", 60, start, end)
