"""The client's typed answers, parsed from Kraken's own recorded answers (tests/data/kraken/rest)."""

from __future__ import annotations

import json

import pytest

from shared.kraken.answers import Market, OhlcWindow, TradesPage, pair_rows
from shared.kraken.client import ExchangeClient
from shared.kraken.constants import NS_PER_MS, TRADES_PAGE
from shared.kraken.trades import SCHEMA, start_cursor
from shared.platform.settings import Settings
from tests.paths import KRAKEN_DATA

REST = KRAKEN_DATA / "rest"


def _response(name: str) -> dict:
    return json.loads((REST / name).read_text())["response"]


def test_a_trades_page_holds_its_trades_as_columns_and_the_cursor_as_an_int():
    result = _response("trades_aiohttp_00_public_Trades.json")["result"]
    page = TradesPage.parse(result)
    assert page.trades.schema == SCHEMA and len(page) == TRADES_PAGE
    assert page.last_ns == int(result["last"]) == 1_607_189_546_644_797_379
    times = page.times_ms()
    assert times == sorted(times) and times[0] == 1_607_183_031_636
    assert times[-1] <= page.last_ns // NS_PER_MS


def test_the_pair_is_found_beside_last_and_exactly_one_is_expected():
    assert pair_rows({"XXBTZUSD": [[1]], "last": "5"}) == [[1]]
    with pytest.raises(ValueError, match="one pair"):
        pair_rows({"last": "5"})
    with pytest.raises(ValueError, match="one pair"):
        pair_rows({"A": [], "B": [], "last": "5"})


def test_the_start_cursor_includes_a_trade_at_the_start_exactly():
    assert start_cursor(1_607_183_031_636) == str(1_607_183_031_636 * NS_PER_MS - 1)


@pytest.fixture
async def recorded_client():
    """A client whose public endpoints answer with Kraken's recorded answers; nothing goes on the wire."""
    settings = Settings(kraken_api_url="http://127.0.0.1:9", kraken_rate_limit_ms=1)
    async with ExchangeClient(settings) as client:
        async def answer(name: str):
            async def endpoint(params=None):
                return _response(name)
            return endpoint

        client.exchange.publicGetAssetPairs = await answer("assetpairs_00_public_AssetPairs.json")
        client.exchange.publicGetOHLC = await answer("ohlc_aiohttp_00_public_OHLC.json")
        client.exchange.publicGetTrades = await answer("trades_aiohttp_00_public_Trades.json")
        client.exchange.publicGetTime = await answer("time_00_public_Time.json")

        async def no_currencies(*_args, **_kwargs):
            return {}

        client.exchange.fetch_currencies = no_currencies
        yield client


async def test_markets_come_typed_with_kraken_names(recorded_client):
    raw = _response("assetpairs_00_public_AssetPairs.json")["result"]
    markets = await recorded_client.markets()
    assert markets and all(isinstance(m, Market) for m in markets)
    assert all((m.altname, m.wsname) == (raw[m.id]["altname"], raw[m.id].get("wsname")) for m in markets)
    ada = next(m for m in markets if m.symbol == "ADA/USD")
    assert (ada.id, ada.altname, ada.wsname, ada.base, ada.quote, ada.spot) == (
        "ADAUSD", "ADAUSD", "ADA/USD", "ADA", "USD", True)
    assert (await recorded_client.market("ADA/USD")) == ada


async def test_each_endpoint_answers_typed_and_counts_one_call(recorded_client):
    ohlc = await recorded_client.ohlc("XXBTZUSD", 60)
    assert isinstance(ohlc, OhlcWindow) and ohlc.interval_min == 60 and ohlc.last_s == 1_607_184_000
    page = await recorded_client.trades("XXBTZUSD", since=start_cursor(0))
    assert isinstance(page, TradesPage) and len(page) == TRADES_PAGE
    raw_time = _response("time_00_public_Time.json")["result"]["unixtime"]
    assert await recorded_client.server_time_ms() == raw_time * 1000
    assert recorded_client.calls == 3
