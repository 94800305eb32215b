"""The Kraken client every service uses: ccxt's async kraken pointed at KRAKEN_API_URL, spaced to the
rate limit, retrying what can succeed later and giving up at once on what cannot. It answers with the
typed answers of shared.kraken.answers, never with Kraken's JSON.

Raw endpoints (publicGetOHLC, publicGetTrades) are called instead of fetch_ohlcv/fetch_trades because
the unified methods drop what we need: the OHLC `last` marker, vwap and count, and the Trades `last`
nanosecond cursor."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import ccxt.async_support as ccxt
import structlog

from shared.kraken.answers import Market, OhlcWindow, TradesPage
from shared.kraken.call_metrics import count_retry, meter_rate_limit_waits, metered, retry_reason
from shared.kraken.constants import TRADES_PAGE
from shared.platform.errors import PermanentError
from shared.platform.settings import Settings

log = structlog.get_logger()
Notify = Callable[[str], Awaitable[None]]

# The market list of each Kraken API this process has loaded: markets change rarely, so one load
# serves every client after it, and a job or a dry run pays no AssetPairs call of its own.
_KNOWN_MARKETS: dict[str, tuple[dict, dict | None]] = {}

# Worth retrying: the exchange or the path to it is down, slow or throttling us.
RETRYABLE = (ccxt.NetworkError, ccxt.BadResponse)


class BadPayload(ccxt.BadResponse):
    """A 200 answer that is not the JSON object Kraken always sends (e.g. a body cut short)."""


# The job message of a retry, by the reason its metric counts it under.
_REASON_TEXT = {"rate_limited": "Rate limit hit", "timeout": "Exchange timed out", "unavailable": "Exchange unavailable"}


def _reason(exc: Exception) -> str:
    return _REASON_TEXT.get(retry_reason(exc), "Exchange connection failed")


class ExchangeClient:
    def __init__(self, settings: Settings, notify: Notify | None = None) -> None:
        self.settings = settings
        self.notify = notify
        self.calls = 0
        self.failed_calls = 0
        self.exchange = ccxt.kraken({
            "enableRateLimit": True,
            "rateLimit": settings.kraken_rate_limit_ms,
            "timeout": settings.kraken_timeout_ms,
        })
        self.exchange.urls["api"]["public"] = settings.kraken_api_url.rstrip("/")
        meter_rate_limit_waits(self.exchange)

    async def close(self) -> None:
        await self.exchange.close()

    async def __aenter__(self) -> ExchangeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def market(self, symbol: str) -> Market:
        if (self.exchange.markets or self._use_known_markets()) and (found := self._find(symbol)):
            return found
        # Not loaded, or not in the list this process had: a symbol is unknown only after a fresh load.
        await self._load_markets()
        if (found := self._find(symbol)) is None:
            raise PermanentError(f"{symbol} is not a market on kraken")
        return found

    def _find(self, symbol: str) -> Market | None:
        try:
            return Market.of(self.exchange.market(symbol))
        except ccxt.BadSymbol:
            return None

    async def markets(self) -> list[Market]:
        await self._load_markets()
        return [Market.of(m) for m in self.exchange.markets.values()]

    def _use_known_markets(self) -> bool:
        known = _KNOWN_MARKETS.get(self.exchange.urls["api"]["public"])
        if known is not None:
            self.exchange.set_markets(*known)
        return known is not None

    async def _load_markets(self) -> None:
        async def load() -> None:
            markets = await self.exchange.load_markets(True)
            # ccxt reads a cut-short AssetPairs body as a list of no markets; taken at its word, every
            # symbol would be "not a market" and its job would fail for good. It is a bad answer.
            if not markets:
                raise BadPayload("kraken AssetPairs: no markets in the answer")

        await self._retrying("markets", load)
        _KNOWN_MARKETS[self.exchange.urls["api"]["public"]] = (self.exchange.markets, self.exchange.currencies)

    async def server_time_ms(self) -> int:
        """Kraken's clock, which decides what its REST window holds (ours may differ)."""
        result = await self._public("Time", self.exchange.publicGetTime, {})
        return int(result["unixtime"]) * 1000

    async def ohlc(self, market_id: str, interval_min: int) -> OhlcWindow:
        """The newest candles of the interval (Kraken's minutes: constants.OHLC_INTERVAL maps ours)."""
        params = {"pair": market_id, "interval": interval_min}
        return OhlcWindow.parse(await self._public("OHLC", self.exchange.publicGetOHLC, params), interval_min)

    async def trades(self, market_id: str, since: str | int | None = None,
                     count: int = TRADES_PAGE) -> TradesPage:
        """Up to `count` trades after the cursor `since` (ns), oldest first."""
        params: dict[str, Any] = {"pair": market_id, "count": count}
        if since is not None:
            params["since"] = since
        return TradesPage.parse(await self._public("Trades", self.exchange.publicGetTrades, params))

    async def _public(self, name: str, method, params: dict[str, Any]) -> dict[str, Any]:
        async def call() -> dict[str, Any]:
            response = await method(params)
            if not isinstance(response, dict) or "result" not in response:
                raise BadPayload(f"kraken {name}: unreadable response")
            return response["result"]

        return await self._retrying(name, call)

    async def _retrying(self, name: str, fn, *args: Any) -> Any:
        attempt = 0
        while True:
            self.calls += 1
            try:
                with metered(name):
                    return await fn(*args)
            except RETRYABLE as exc:
                self.failed_calls += 1
                attempt += 1
                if attempt > self.settings.exchange_max_retries:
                    raise  # transient by nature: the job is retried later by the queue
                count_retry(name, exc)
                delay = min(self.settings.exchange_backoff_base_s * 2 ** (attempt - 1),
                            self.settings.exchange_backoff_max_s)
                text = f"{_reason(exc)}, backing off {delay:g} s"
                log.warning("exchange.retry", endpoint=name, attempt=attempt, delay_s=delay, error=str(exc)[:200])
                if self.notify is not None:
                    await self.notify(text)
                await asyncio.sleep(delay)
            except ccxt.ExchangeError as exc:
                # Kraken said no (unknown pair, invalid arguments): asking again gives the same answer.
                self.failed_calls += 1
                raise PermanentError(f"kraken {name} refused: {exc}") from exc
