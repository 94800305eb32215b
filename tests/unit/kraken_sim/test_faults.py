"""Fault injection, rate limit and call statistics."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import ccxt.async_support as ccxt
import pytest

from tests.kraken_sim import RateLimit, running_simulator
from tests.kraken_sim.faults import MIX, Faults, parse_spec
from tests.kraken_sim.ratelimit import RateLimiter

from .helpers import get_json, get_raw


@pytest.fixture(scope="module")
async def sim():
    async with running_simulator(seed=1, rate_limit=None, slow_seconds=0.5) as s:
        yield s


@pytest.fixture(autouse=True)
def clean(request):
    yield
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").faults.clear()


@pytest.mark.parametrize("status", [520, 525, 502, 503, 504])
async def test_http_faults_answer_an_html_page(sim, status):
    sim.script_faults([str(status)])
    code, ctype, body = await get_raw(sim.url, "/0/public/Time")
    assert code == status and ctype == "text/html"
    assert body.startswith(b"<!DOCTYPE html>") and str(status).encode() in body
    assert (await get_raw(sim.url, "/0/public/Time"))[0] == 200    # the script is used up


@pytest.mark.parametrize(("kind", "error"), [
    ("unavailable", "EService:Unavailable"), ("busy", "EService:Busy"),
    ("toomany", "EGeneral:Too many requests")])
async def test_kraken_error_faults(sim, kind, error):
    sim.script_faults([kind])
    assert await get_json(sim.url, "/0/public/OHLC", pair="XBTUSD", interval=60) == {"error": [error]}


async def test_reset_drops_the_connection(sim):
    sim.script_faults(["reset"])
    async with aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.ClientConnectionError):
            async with s.get(sim.url + "/0/public/Time") as r:
                await r.read()
        async with s.get(sim.url + "/0/public/Time") as r:
            assert r.status == 200


async def test_truncated_body_is_half_the_answer(sim):
    sim.script_faults(["truncated"])
    code, _, cut = await get_raw(sim.url, "/0/public/AssetPairs")
    full = (await get_raw(sim.url, "/0/public/AssetPairs"))[2]
    assert code == 200 and full.startswith(cut) and len(cut) == len(full) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)


async def test_slow_outlasts_the_client_timeout(sim):
    sim.script_faults(["slow"])
    timeout = aiohttp.ClientTimeout(total=0.2)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        with pytest.raises(asyncio.TimeoutError):
            async with s.get(sim.url + "/0/public/Time") as r:
                await r.read()
    sim.script_faults(["slow"])
    assert (await get_json(sim.url, "/0/public/Time"))["error"] == []   # it does answer, late


async def test_sim_routes_are_never_faulted(sim):
    sim.script_faults(["520", None, "reset"])
    assert isinstance(await get_json(sim.url, "/_sim/stats"), dict)
    assert (await get_raw(sim.url, "/_sim/dumps"))[0] == 200
    assert sim.faults.scripted == 3
    assert (await get_raw(sim.url, "/0/public/Time"))[0] == 520
    assert (await get_raw(sim.url, "/0/public/Time"))[0] == 200


async def test_faults_over_http_control(sim):
    async with aiohttp.ClientSession() as s:
        async with s.post(sim.url + "/_sim/faults", json={"script": ["busy"]}) as r:
            assert (await r.json())["scripted"] == 1
        async with s.post(sim.url + "/_sim/faults", json={"spec": "bogus:1"}) as r:
            assert r.status == 400
    assert (await get_json(sim.url, "/0/public/Time"))["error"] == ["EService:Busy"]


async def test_ccxt_sees_the_faults_as_its_own_errors(sim):
    ex = ccxt.kraken({"enableRateLimit": False, "timeout": 2000})
    ex.urls["api"]["public"] = sim.url
    try:
        await ex.load_markets()
        expected = [("520", ccxt.ExchangeNotAvailable), ("525", ccxt.ExchangeNotAvailable),
                    ("504", ccxt.RequestTimeout), ("reset", ccxt.NetworkError),
                    ("unavailable", ccxt.ExchangeNotAvailable), ("toomany", ccxt.DDoSProtection)]
        for kind, error in expected:
            sim.script_faults([kind])
            with pytest.raises(error):
                await ex.fetch_ohlcv("BTC/USD", "1h")
        assert len(await ex.fetch_ohlcv("BTC/USD", "1h")) == 720
    finally:
        await ex.close()


def test_spec_grammar():
    assert parse_spec(None).probs == {}
    spread = parse_spec("p=0.2").probs
    assert set(spread) == set(MIX) and "slow" not in spread
    assert sum(spread.values()) == pytest.approx(0.2)
    mixed = parse_spec("520:0.05, reset:0.05,unavailable:0.05,truncated:0.05")
    assert mixed.probs == {"520": 0.05, "reset": 0.05, "unavailable": 0.05, "truncated": 0.05}
    custom = parse_spec("p=0.3,kinds=slow|reset,seed=7,slow_s=2")
    assert custom.probs == {"slow": 0.15, "reset": 0.15} and custom.seed == 7 and custom.slow_s == 2
    for bad in ("nope:0.1", "520:0.7,reset:0.7", "p", "x=1"):
        with pytest.raises(ValueError):
            parse_spec(bad)


def test_probabilistic_faults_are_seeded():
    a, b = Faults("p=0.3", seed=4), Faults("p=0.3", seed=4)
    seq_a = [a.next() for _ in range(2000)]
    assert seq_a == [b.next() for _ in range(2000)]
    assert seq_a != [Faults("p=0.3", seed=5).next() for _ in range(2000)]
    share = sum(x is not None for x in seq_a) / len(seq_a)
    assert 0.25 < share < 0.35 and "slow" not in seq_a
    assert {x for x in seq_a if x} == set(MIX)


async def test_probabilistic_faults_over_http():
    async with running_simulator(seed=9, faults="520:0.5", rate_limit=None) as sim:
        codes = [(await get_raw(sim.url, "/0/public/Time"))[0] for _ in range(40)]
        assert set(codes) == {200, 520}
        assert sim.stats()["faults"] == codes.count(520) == sim.stats()["fault:520"]
    async with running_simulator(seed=9, faults="520:0.5", rate_limit=None) as again:
        assert [(await get_raw(again.url, "/0/public/Time"))[0] for _ in range(40)] == codes


def test_rate_limiter_budget_and_decay():
    now = [0.0]
    limiter = RateLimiter(RateLimit(burst=3, decay=1.0), clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")                       # budgets are per client
    assert limiter.level("a") == pytest.approx(3.5)  # the refusal still cost a bit
    now[0] = 1.0
    assert not limiter.allow("a")                   # 2.5 + 1 > 3
    now[0] = 3.0
    assert limiter.allow("a")


async def test_rate_limit_over_http_and_stats():
    async with running_simulator(seed=1, rate_limit=RateLimit(burst=3, decay=0.01)) as sim:
        bodies = [await get_json(sim.url, "/0/public/Time") for _ in range(5)]
        assert [b["error"] for b in bodies] == [[]] * 3 + [["EAPI:Rate limit exceeded"]] * 2
        await get_json(sim.url, "/_sim/stats")          # /_sim/* is not limited
        stats = await get_json(sim.url, "/_sim/stats")
        assert stats["Time"] == 5 and stats["rate_limited"] == 2 and stats["faults"] == 0
        async with aiohttp.ClientSession() as s, s.post(sim.url + "/_sim/reset") as r:
            assert (await r.json()) == {"faults": 0, "rate_limited": 0}
        assert (await get_json(sim.url, "/0/public/Time"))["error"] == []

        ex = ccxt.kraken({"enableRateLimit": False})
        ex.urls["api"]["public"] = sim.url
        try:
            with pytest.raises(ccxt.DDoSProtection):
                for _ in range(5):
                    await ex.fetch_time()
        finally:
            await ex.close()


async def test_stats_count_calls_per_endpoint():
    async with running_simulator(seed=1, rate_limit=None) as sim:
        for path, params in [("OHLC", {"pair": "XBTUSD", "interval": "60"}), ("OHLC", {"pair": "XBTUSD"}),
                             ("Trades", {"pair": "XBTUSD"}), ("AssetPairs", {})]:
            await get_json(sim.url, f"/0/public/{path}", **params)
        sim.script_faults(["503"])
        await get_raw(sim.url, "/0/public/Time")
        assert sim.stats() == {"OHLC": 2, "Trades": 1, "AssetPairs": 1, "Time": 1, "faults": 1,
                               "fault:503": 1, "rate_limited": 0}
        sim.reset_stats()
        assert sim.stats() == {"faults": 0, "rate_limited": 0}
