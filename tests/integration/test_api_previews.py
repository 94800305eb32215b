"""The API's dry runs share one exchange client per process: one market list for all of them, and
every call through the shared budget (its row for this exchange API moves with each)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from services.api.app import create_app
from services.launcher.embedded import start_nats
from shared.platform.settings import Settings
from tests.integration.rebuilds import rebuild_request
from tests.integration.system import FAST_BUDGET
from tests.integration.times import NOW

DRY_RUNS = 4


async def test_dry_runs_share_one_client_its_market_list_and_the_budget(database_url, simulator_factory,
                                                                        tmp_path_factory):
    nats_proc, nats_url = start_nats(tmp_path_factory.mktemp("previews-nats"))
    try:
        async with simulator_factory(rate_limit=None) as sim:
            budget = {k.lower(): float(v) for k, v in FAST_BUDGET.items()}
            settings = Settings(database_url=database_url, nats_url=nats_url, kraken_api_url=sim.url,
                                **budget)
            client = TestClient(TestServer(create_app(settings)))
            await client.start_server()
            counted = []
            try:
                for day in range(DRY_RUNS):
                    start = NOW.replace(hour=0) - timedelta(days=day + 2)
                    body = rebuild_request(start, start.replace(hour=6), dry_run=True, confirm=False)
                    resp = await client.post("/api/data-jobs", json=body)
                    assert resp.status == 200, await resp.text()
                    counted.append((await resp.json())["estimate"]["ohlc_calls"])
            finally:
                await client.close()
            stats, api_url = sim.stats(), sim.url.rstrip("/")
        assert (stats["Assets"], stats["AssetPairs"]) == (1, 1), stats
        # The first dry run counts the trades from Kraken's OHLC; the kept counts serve the others.
        assert counted[0] >= 1 and counted[1:] == [0] * (DRY_RUNS - 1), counted
        assert stats["OHLC"] == counted[0] and stats.get("Trades", 0) == 0, stats
        conn = await asyncpg.connect(database_url)
        try:
            booked = await conn.fetchval("SELECT count(*) FROM exchange_call_budget WHERE api_url = $1",
                                         api_url)
        finally:
            await conn.close()
        assert booked == 1
    finally:
        nats_proc.terminate()
