"""The simulator's answers have the structure of real Kraken answers (captures in
tests/data/kraken/rest/), and ccxt parses both the same way."""

from __future__ import annotations

import re

import ccxt.async_support as ccxt
import pytest

from tests.kraken_sim import running_simulator

from .helpers import capture, decimals, get_json

NOW = "2026-11-20T12:00:00Z"
ROW_TYPES_OHLC = [int, str, str, str, str, str, str, int]


@pytest.fixture(scope="module")
async def sim():
    async with running_simulator(seed=1, now=NOW, rate_limit=None) as s:
        yield s


@pytest.fixture(scope="module")
async def exchange(sim):
    ex = ccxt.kraken({"enableRateLimit": False})
    ex.urls["api"]["public"] = sim.url
    await ex.load_markets()
    yield ex
    await ex.close()


def _types(row: list) -> list[type]:
    return [type(x) for x in row]


async def test_time_matches_capture(sim):
    real = capture("time_00_public_Time.json")
    ours = await get_json(sim.url, "/0/public/Time")
    assert ours.keys() == real.keys() and ours["error"] == []
    assert ours["result"].keys() == real["result"].keys()
    assert {k: type(v) for k, v in ours["result"].items()} == {k: type(v) for k, v in real["result"].items()}
    form = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [ \d]\d [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000$")
    assert form.match(real["result"]["rfc1123"]) and form.match(ours["result"]["rfc1123"])
    assert ours["result"] == {"unixtime": 1795176000, "rfc1123": "Fri, 20 Nov 26 12:00:00 +0000"}


async def test_system_status(sim):
    ours = await get_json(sim.url, "/0/public/SystemStatus")
    assert ours == {"error": [], "result": {"status": "online", "timestamp": "2026-11-20T12:00:00Z"}}


async def test_asset_pairs_match_capture(sim):
    real = capture("assetpairs_00_public_AssetPairs.json")["result"]
    ours = (await get_json(sim.url, "/0/public/AssetPairs"))["result"]
    for pair_id in ("XXBTZUSD", "XETHZUSD", "XETHXXBT", "XBTUSDC"):
        r, o = real[pair_id], ours[pair_id]
        assert set(r) <= set(o), f"{pair_id} misses {set(r) - set(o)}"
        for key in r:
            assert type(o[key]) is type(r[key]), key
        # Names, assets and decimals are those of the real pairs.
        for key in ("altname", "wsname", "base", "quote", "pair_decimals", "lot_decimals", "fees", "fees_maker"):
            assert o[key] == r[key], (pair_id, key)
    assert set(ours["XXBTZUSD"]) - set(real["XXBTZUSD"]) == {
        "cost_decimals", "costmin", "tick_size", "status"}


async def test_asset_pairs_by_altname_is_keyed_by_id(sim):
    real = capture("assetpairs_newstr_00_public_AssetPairs.json")   # asked ?pair=XBTEUR
    assert list(real["result"]) == ["XXBTZEUR"]
    for name in ("XBTUSD", "XXBTZUSD"):
        ours = await get_json(sim.url, "/0/public/AssetPairs", pair=name)
        assert list(ours["result"]) == ["XXBTZUSD"]
    both = await get_json(sim.url, "/0/public/AssetPairs", pair="ETHUSD,XBTUSDC")
    assert list(both["result"]) == ["XETHZUSD", "XBTUSDC"]


async def test_assets(sim):
    ours = await get_json(sim.url, "/0/public/Assets")
    assert set(ours["result"]) == {"XXBT", "XETH", "ZUSD", "USDC"}
    one = await get_json(sim.url, "/0/public/Assets", asset="XBT")
    assert one["result"]["XXBT"]["altname"] == "XBT" and one["result"]["XXBT"]["decimals"] == 10


async def test_ohlc_matches_capture(sim):
    real = capture("ohlc_aiohttp_00_public_OHLC.json")
    ours = await get_json(sim.url, "/0/public/OHLC", pair="XBTUSD", interval=60)
    for body in (real, ours):
        result = body["result"]
        assert body["error"] == [] and set(result) == {"XXBTZUSD", "last"}
        rows = result["XXBTZUSD"]
        assert len(rows) == 720 and isinstance(result["last"], int)
        assert result["last"] == rows[-2][0]
        assert [b[0] - a[0] for a, b in zip(rows, rows[1:], strict=False)] == [3600] * 719
        assert all(_types(r) == ROW_TYPES_OHLC for r in rows)
        # Prices and vwap with the pair's decimals, volume with 8.
        assert {decimals(x) for r in rows for x in r[1:6]} == {1}
        assert {decimals(r[6]) for r in rows} == {8}
    # The window ends at the unfinished candle containing "now".
    assert ours["result"]["XXBTZUSD"][-1][0] == 1795176000


async def test_ohlc_flat_rows_have_the_capture_shape(sim):
    real_rows = capture("assetpairs_ohlcv_03_public_OHLC.json")["result"]["XXBTZEUR"]
    ours = (await get_json(sim.url, "/0/public/OHLC", pair="XXBTZUSD", interval=1))["result"]["XXBTZUSD"]
    for rows in (real_rows, ours):
        flats = [(prev, r) for prev, r in zip(rows, rows[1:], strict=False) if r[7] == 0]
        assert flats, "expected some intervals without trades"
        for prev, r in flats:
            assert r[1] == r[2] == r[3] == r[4] == prev[4]
            assert r[5] == "0.0" and r[6] == "0.00000000"


async def test_ohlc_since_filters_inside_the_window(sim):
    full = (await get_json(sim.url, "/0/public/OHLC", pair="XBTUSD", interval=60))["result"]
    rows = full["XXBTZUSD"]
    since = rows[700][0]
    part = (await get_json(sim.url, "/0/public/OHLC", pair="XBTUSD", interval=60, since=since))["result"]
    assert part["XXBTZUSD"] == rows[701:] and part["last"] == full["last"]
    old = (await get_json(sim.url, "/0/public/OHLC", pair="XBTUSD", interval=60, since=0))["result"]
    assert old["XXBTZUSD"] == rows            # never more than the 720 most recent


async def test_trades_match_capture(sim):
    real = capture("trades_aiohttp_00_public_Trades.json")
    ours = await get_json(sim.url, "/0/public/Trades", pair="XBTUSD", since=1795100000)
    for body, width in ((real, 6), (ours, 7)):
        result = body["result"]
        assert body["error"] == [] and set(result) == {"XXBTZUSD", "last"}
        rows = result["XXBTZUSD"]
        assert len(rows) == 1000
        assert all(len(r) == width for r in rows)
        # Time is a float, or an integer when it falls on a whole second.
        types = [str, str, float, str, str, str, int][:width]
        assert all(_types(r) == types for r in rows if r[2] != int(r[2]))
        assert all(isinstance(r[2], int) for r in rows if r[2] == int(r[2]))
        assert {r[3] for r in rows} == {"b", "s"} and {r[4] for r in rows} == {"m", "l"}
        assert {r[5] for r in rows} == {""}
        assert {decimals(r[0]) for r in rows} == {5} and {decimals(r[1]) for r in rows} == {8}
        assert max(decimals(repr(r[2])) for r in rows) <= 4
        assert isinstance(result["last"], str) and re.fullmatch(r"\d{19}", result["last"])
        assert (int(result["last"]) + 50_000) // 100_000 == round(rows[-1][2] * 10_000)
        assert [r[2] for r in rows] == sorted(r[2] for r in rows)
    # The integer form of whole seconds also exists in the capture.
    assert any(isinstance(r[2], int) for r in real["result"]["XXBTZUSD"])
    ids = [r[6] for r in ours["result"]["XXBTZUSD"]]
    assert ids == list(range(ids[0], ids[0] + 1000))


@pytest.mark.parametrize(("params", "error"), [
    ({"pair": "NOPE", "interval": "60"}, "EQuery:Unknown asset pair"),
    ({"pair": "XBTUSD", "interval": "7"}, "EGeneral:Invalid arguments"),
    ({"interval": "60"}, "EGeneral:Invalid arguments"),
])
async def test_ohlc_errors_have_kraken_shape(sim, params, error):
    real = capture("err_invalid_arguments_00_private_Balance.json")
    ours = await get_json(sim.url, "/0/public/OHLC", **params)
    assert ours.keys() == real.keys() == {"error"}
    assert ours["error"] == [error]


async def test_trades_errors(sim):
    for params in ({"pair": "NOPE"}, {"pair": "XBTUSD", "since": "abc"}, {"pair": "XBTUSD", "count": "0"}):
        body = await get_json(sim.url, "/0/public/Trades", **params)
        assert set(body) == {"error"} and re.fullmatch(r"E\w+:[\w ]+", body["error"][0])
    assert (await get_json(sim.url, "/0/public/AssetPairs", pair="NOPE"))["error"] == ["EQuery:Unknown asset pair"]
    assert (await get_json(sim.url, "/0/public/Nope"))["error"] == ["EGeneral:Unknown method"]


async def test_ccxt_markets(exchange):
    assert exchange.market("BTC/USD")["id"] == "XXBTZUSD"
    assert exchange.market("ETH/USD")["id"] == "XETHZUSD"
    assert exchange.market("ETH/BTC")["id"] == "XETHXXBT"
    assert exchange.market("BTC/USDC")["id"] == "XBTUSDC"
    m = exchange.market("BTC/USD")
    assert m["altname"] == "XBTUSD" and m["precision"]["price"] == 0.1 and m["active"]


async def test_ccxt_parses_ohlcv_alike(exchange):
    market = exchange.market("BTC/USD")
    real = capture("ohlc_aiohttp_00_public_OHLC.json")["result"]["XXBTZUSD"]
    raw = await exchange.publicGetOHLC({"pair": "XXBTZUSD", "interval": 60})
    ours = raw["result"]["XXBTZUSD"]
    fetched = await exchange.fetch_ohlcv("BTC/USD", "1h")
    for parsed in (exchange.parse_ohlcvs(real, market), exchange.parse_ohlcvs(ours, market), fetched):
        assert len(parsed) == 720
        assert all(_types(c) == [int, float, float, float, float, float] for c in parsed)
    assert fetched == exchange.parse_ohlcvs(ours, market)
    assert fetched[-2][0] == raw["result"]["last"] * 1000


async def test_ccxt_parses_trades_alike(exchange):
    market = exchange.market("BTC/USD")
    real = capture("trades_aiohttp_00_public_Trades.json")["result"]["XXBTZUSD"]
    raw = await exchange.publicGetTrades({"pair": "XXBTZUSD", "since": 1795100000})
    ours = raw["result"]["XXBTZUSD"]
    parsed_real = exchange.parse_trades(real, market)
    parsed_ours = exchange.parse_trades(ours, market)
    for a, b in zip(parsed_real, parsed_ours, strict=True):
        assert a.keys() == b.keys()
        for key in ("timestamp", "price", "amount", "cost", "side", "type", "symbol"):
            assert type(a[key]) is type(b[key]), key
    assert all(t["id"] == str(r[6]) for t, r in zip(parsed_ours, ours, strict=True))
    following = await exchange.publicGetTrades({"pair": "XXBTZUSD", "since": raw["result"]["last"]})
    assert following["result"]["XXBTZUSD"][0][6] == ours[-1][6] + 1     # the cursor resumes exactly
    fetched = await exchange.fetch_trades("BTC/USD", since=1795100000 * 1000)
    assert [t["id"] for t in fetched] == [t["id"] for t in parsed_ours]
    recent = await exchange.fetch_trades("BTC/USD")
    assert len(recent) == 1000 and recent[-1]["timestamp"] <= 1795176000000
