"""What the exchange client counts (shared/platform/metrics.py): each attempt of a call with its
outcome and time, the retries by reason, and how long calls wait for their turn under the rate limit.

Outcomes: `ok`; `rate_limited` (Kraken said slow down); `retry` (any other transient failure: the
network, a timeout, an unreadable answer); `refused` (Kraken said no, which asking again cannot change)."""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager

import ccxt.async_support as ccxt

from shared.platform.metrics import EXCHANGE_CALL_SECONDS, EXCHANGE_CALLS, EXCHANGE_RETRIES, RATE_LIMIT_WAIT

RATE_LIMITED = (ccxt.DDoSProtection, ccxt.RateLimitExceeded)


def outcome(exc: BaseException | None) -> str | None:
    """The attempt's outcome; None for what is no answer of the exchange (cancelled, a bug of ours)."""
    if exc is None:
        return "ok"
    if isinstance(exc, RATE_LIMITED):
        return "rate_limited"
    if isinstance(exc, ccxt.NetworkError | ccxt.BadResponse):
        return "retry"
    if isinstance(exc, ccxt.ExchangeError):
        return "refused"
    return None


def retry_reason(exc: BaseException) -> str:
    if isinstance(exc, RATE_LIMITED):
        return "rate_limited"
    if isinstance(exc, ccxt.RequestTimeout):
        return "timeout"
    if isinstance(exc, ccxt.ExchangeNotAvailable):
        return "unavailable"
    if isinstance(exc, ccxt.BadResponse):
        return "bad_response"
    return "network"


@contextmanager
def metered(endpoint: str):
    """Counts one attempt of a call by its outcome, and times it."""
    started, failure = time.perf_counter(), None
    try:
        yield
    except BaseException as exc:
        failure = exc
        raise
    finally:
        if (result := outcome(failure)) is not None:
            EXCHANGE_CALLS.labels(endpoint, result).inc()
            EXCHANGE_CALL_SECONDS.labels(endpoint).observe(time.perf_counter() - started)


def count_retry(endpoint: str, exc: BaseException) -> None:
    EXCHANGE_RETRIES.labels(endpoint, retry_reason(exc)).inc()


def meter_rate_limit_waits(exchange: ccxt.Exchange) -> None:
    """Times each call's wait for its turn: ccxt awaits `throttle` before every request (the shared
    budget's turn, or ccxt's own spacing without one)."""
    throttle = exchange.throttle

    @functools.wraps(throttle)
    async def timed(cost=None):
        started = time.perf_counter()
        try:
            return await throttle(cost)
        finally:
            RATE_LIMIT_WAIT.observe(time.perf_counter() - started)

    exchange.throttle = timed


