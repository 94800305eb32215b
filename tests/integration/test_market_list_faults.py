"""A market list Kraken sent cut short is asked for again: it is not taken for a list without the
job's market, which would fail the job for good (found by the chaos trials, seed 108)."""

from __future__ import annotations

from shared.kraken.client import ExchangeClient
from shared.platform.settings import Settings


def _settings(url: str) -> Settings:
    return Settings(kraken_api_url=url, kraken_rate_limit_ms=5, exchange_backoff_base_s=0.01)


async def test_a_cut_short_market_list_is_loaded_again(simulator_factory):
    async with simulator_factory(faults=None, rate_limit=None) as sim:
        sim.script_faults([None, "truncated"])  # ccxt asks for Assets, then AssetPairs: that one is cut
        async with ExchangeClient(_settings(sim.url)) as client:
            market = await client.market("BTC/USD")
        assert market.id == "XXBTZUSD"
        assert sim.stats()["AssetPairs"] == 2 and client.failed_calls == 1


async def test_the_market_sync_does_not_take_a_cut_short_list_for_an_empty_one(simulator_factory):
    async with simulator_factory(faults=None, rate_limit=None) as sim:
        sim.script_faults([None, "truncated"])
        async with ExchangeClient(_settings(sim.url)) as client:
            markets = await client.markets()
        assert {"BTC/USD", "ETH/USD"} <= {m.symbol for m in markets}
