"""Every attempt of an exchange call is counted once by its outcome, and the waits for the rate
limit are timed."""

from __future__ import annotations

import asyncio

import ccxt.async_support as ccxt
import pytest
from prometheus_client import REGISTRY

from shared.kraken.call_metrics import meter_rate_limit_waits, metered, outcome, retry_reason


@pytest.mark.parametrize(("exc", "expected"), [
    (None, "ok"), (ccxt.DDoSProtection("EAPI:Rate limit exceeded"), "rate_limited"),
    (ccxt.RateLimitExceeded("slow down"), "rate_limited"), (ccxt.RequestTimeout("late"), "retry"),
    (ccxt.ExchangeNotAvailable("down"), "retry"), (ccxt.BadResponse("cut short"), "retry"),
    (ccxt.BadSymbol("EQuery:Unknown asset pair"), "refused"), (asyncio.CancelledError(), None),
])
def test_outcomes(exc, expected):
    assert outcome(exc) == expected


def test_retry_reasons():
    assert [retry_reason(e) for e in (ccxt.DDoSProtection(), ccxt.RequestTimeout(), ccxt.ExchangeNotAvailable(),
                                      ccxt.BadResponse(), ccxt.NetworkError())] == [
        "rate_limited", "timeout", "unavailable", "bad_response", "network"]


def calls(endpoint: str, result: str) -> float:
    return REGISTRY.get_sample_value("candles_exchange_calls_total", {"endpoint": endpoint, "outcome": result}) or 0.0


def test_metered_counts_each_attempt_once_and_lets_the_error_through():
    before = {r: calls("UnitTest", r) for r in ("ok", "rate_limited", "refused")}
    with metered("UnitTest"):
        pass
    with pytest.raises(ccxt.DDoSProtection), metered("UnitTest"):
        raise ccxt.DDoSProtection("EAPI:Rate limit exceeded")
    with pytest.raises(ccxt.BadSymbol), metered("UnitTest"):
        raise ccxt.BadSymbol("unknown pair")
    with pytest.raises(asyncio.CancelledError), metered("UnitTest"):
        raise asyncio.CancelledError()  # no answer of the exchange: not counted
    assert {r: calls("UnitTest", r) - before[r] for r in before} == {"ok": 1, "rate_limited": 1, "refused": 1}


async def test_the_wait_for_the_rate_limit_is_timed():
    class Spaced:
        async def throttle(self, cost=None):
            await asyncio.sleep(0.05)

    exchange = Spaced()
    meter_rate_limit_waits(exchange)
    count = REGISTRY.get_sample_value("candles_exchange_rate_limit_wait_seconds_count") or 0.0
    total = REGISTRY.get_sample_value("candles_exchange_rate_limit_wait_seconds_sum") or 0.0
    await exchange.throttle(1)
    assert REGISTRY.get_sample_value("candles_exchange_rate_limit_wait_seconds_count") == count + 1
    assert REGISTRY.get_sample_value("candles_exchange_rate_limit_wait_seconds_sum") - total >= 0.04
