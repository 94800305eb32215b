"""Every HTTP request the client sends takes a turn from the budget it is given, market lists and
retries included; without one, ccxt spaces the process's calls and a log line says so."""

from __future__ import annotations

import asyncio

import pytest
import structlog

from shared.kraken import budget as budget_module
from shared.kraken.client import ExchangeClient
from shared.platform.errors import PermanentError
from shared.platform.settings import Settings
from tests.kraken_sim import running_simulator


class CountingBudget:
    def __init__(self) -> None:
        self.turns = 0

    async def turn(self, cost: object = None) -> None:
        self.turns += 1


def requests(stats: dict[str, int]) -> int:
    """Every request the simulator had, per endpoint (those it answered with a fault included)."""
    return sum(n for k, n in stats.items()
               if k not in ("faults", "rate_limited") and not k.startswith("fault:"))


async def test_each_request_takes_a_turn_from_the_budget_retries_included():
    budget = CountingBudget()
    async with running_simulator(seed=3, rate_limit=None) as sim:
        settings = Settings(kraken_api_url=sim.url, exchange_backoff_base_s=0.01)
        async with ExchangeClient(settings, budget=budget) as client:
            # The budget's turn is what each request awaits (timed by the rate-limit wait metric).
            assert client.exchange.throttle.__wrapped__ == budget.turn
            market = await client.market("BTC/USD")      # Assets and AssetPairs
            sim.script_faults(["503", None])             # one refused answer, retried
            await client.trades(market.id, since=0, count=10)
            await client.ohlc(market.id, 60)
        assert budget.turns == requests(sim.stats()) == 5, sim.stats()


async def test_without_a_budget_ccxt_spaces_the_process_calls_and_says_so(monkeypatch):
    monkeypatch.setattr(budget_module, "_told_local", False)
    with structlog.testing.capture_logs() as logs:
        first = ExchangeClient(Settings(kraken_rate_limit_ms=700))
        second = ExchangeClient(Settings(kraken_rate_limit_ms=700))
    try:
        # ccxt's own throttle, only timed, spaces the calls.
        own = first.exchange.throttle.__wrapped__
        assert own.__func__ is type(first.exchange).throttle and first.exchange.rateLimit == 700
        assert [e for e in logs if e["event"] == "exchange.budget.local"] == [
            {"event": "exchange.budget.local", "log_level": "info", "spacing_ms": 700,
             "reason": "no shared budget: this process spaces its own calls; replicas add up"}]
    finally:
        await first.close()
        await second.close()


def test_the_budget_settings_default_to_krakens_limits_and_a_margin_cannot_eat_the_burst(monkeypatch):
    from shared.platform.settings import get_settings

    defaults = Settings()
    assert (defaults.kraken_budget_shared, defaults.kraken_budget_burst, defaults.kraken_budget_decay) == (True, 15, 1)
    monkeypatch.setenv("KRAKEN_BUDGET_BURST", "2")
    monkeypatch.setenv("KRAKEN_BUDGET_MARGIN", "1.5")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit, match="KRAKEN_BUDGET_MARGIN: leaves less than one call"):
            get_settings()
    finally:
        get_settings.cache_clear()


async def test_requests_at_once_on_one_client_wait_for_one_market_list(monkeypatch):
    """The API's dry runs share a client: those that find it without a market list share one load
    (ccxt keeps the load in progress and hands it to every caller)."""
    from shared.kraken import client as client_module

    monkeypatch.setattr(client_module, "_KNOWN_MARKETS", {})
    async with running_simulator(seed=3, rate_limit=None) as sim:
        async with ExchangeClient(Settings(kraken_api_url=sim.url, kraken_rate_limit_ms=1)) as client:
            found = await asyncio.gather(*(client.market(s) for s in ("BTC/USD", "ETH/USD", "BTC/USD")))
            with pytest.raises(PermanentError, match="DOGE/XYZ is not a market"):
                await client.market("DOGE/XYZ")  # unknown only after a load of its own
        assert [m.symbol for m in found] == ["BTC/USD", "ETH/USD", "BTC/USD"]
        stats = sim.stats()
        assert (stats["Assets"], stats["AssetPairs"]) == (2, 2), stats
