"""Kraken's OHLC trade counts of a market, kept in PostgreSQL (trade_count_windows) and asked for only
where the kept ones do not reach: a committed bucket's count never changes, so a range that ends before
a kept answer's open bucket is read from it for good; one that reaches into the open bucket is asked
again once that answer is older than TRADE_COUNT_MAX_AGE_S on Kraken's clock. The table is shared by
every API replica and the fetcher, so a dry run and the job after it ask once between them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from shared.kraken.client import ExchangeClient
from shared.kraken.constants import OHLC_WINDOW
from shared.lake.timeframes import from_ms, to_ms
from shared.planning.trade_counts import COUNT_MINUTES, CountWindow, TradeCounts, ceil_to
from shared.platform.settings import Settings

_LOAD = ("SELECT interval_min, first_ts, counts, forming_count, as_of_ts, reaches_listing"
         " FROM trade_count_windows WHERE exchange = $1 AND symbol = $2")
_STORE = ("INSERT INTO trade_count_windows (exchange, symbol, interval_min, first_ts, counts, forming_count,"
          " as_of_ts, reaches_listing) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
          " ON CONFLICT (exchange, symbol, interval_min) DO UPDATE SET first_ts = EXCLUDED.first_ts,"
          " counts = EXCLUDED.counts, forming_count = EXCLUDED.forming_count, as_of_ts = EXCLUDED.as_of_ts,"
          " reaches_listing = EXCLUDED.reaches_listing, fetched_at = now()")


class KrakenClock:
    """Kraken's clock, asked once at most and only when needed (a plan that has it passes it in)."""

    def __init__(self, client: ExchangeClient, now_ms: int | None) -> None:
        self.client, self.now_ms = client, now_ms

    async def __call__(self) -> int:
        if self.now_ms is None:
            self.now_ms = await self.client.server_time_ms()
        return self.now_ms


async def kept_windows(pool: asyncpg.Pool, exchange: str, symbol: str) -> dict[int, CountWindow]:
    rows = await pool.fetch(_LOAD, exchange, symbol)
    return {r["interval_min"]: CountWindow(r["interval_min"], to_ms(r["first_ts"]), tuple(r["counts"]),
                                           r["forming_count"], to_ms(r["as_of_ts"]), r["reaches_listing"])
            for r in rows}


async def ask(pool: asyncpg.Pool, client: ExchangeClient, exchange: str, symbol: str, market_id: str,
              minutes: int, now_ms: int) -> CountWindow:
    answer = await client.ohlc(market_id, minutes)
    window = CountWindow.of_rows(minutes, answer.candles.ts, answer.candles.trades, answer.last_s * 1000, now_ms)
    await pool.execute(_STORE, exchange, symbol, minutes, from_ms(window.first_ms), list(window.counts),
                       window.forming_count, from_ms(window.as_of_ms), window.reaches_listing)
    return window


async def kraken_time_at_least(pool: asyncpg.Pool, exchange: str) -> int | None:
    """A time Kraken's clock has passed already: the newest kept answer's (the clock only goes on)."""
    newest = await pool.fetchval("SELECT max(as_of_ts) FROM trade_count_windows WHERE exchange = $1", exchange)
    return to_ms(newest) if newest is not None else None


def live_first_ms(now_ms: int, minutes: int) -> int:
    """Where an answer asked now would start (before a listing it starts later, which only helps)."""
    step = minutes * 60_000
    return now_ms // step * step - (OHLC_WINDOW - 1) * step


async def _needed(kept: CountWindow | None, upper: int, max_age_ms: int, clock: Callable[[], Awaitable[int]]) -> bool:
    if kept is None:
        return True
    return upper > kept.committed_end_ms and await clock() - kept.as_of_ms > max_age_ms


async def trade_counts(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings, exchange: str, symbol: str,
                       market_id: str, lo: int, hi: int, now_ms: int | None = None) -> tuple[TradeCounts, int]:
    """The counts that reach every part of [lo, hi), finest first, and the OHLC calls it took."""
    kept = await kept_windows(pool, exchange, symbol)
    clock, windows, upper, calls = KrakenClock(client, now_ms), [], hi, 0
    for k, minutes in enumerate(COUNT_MINUTES):
        if upper <= lo:
            break
        window = kept.get(minutes)
        if await _needed(window, upper, settings.trade_count_max_age_s * 1000, clock):
            coarser = COUNT_MINUTES[k + 1] * 60_000 if k + 1 < len(COUNT_MINUTES) else None
            if window is None and coarser and ceil_to(live_first_ms(await clock(), minutes), coarser) >= upper:
                continue  # this interval would read nothing of the range: a coarser one reaches it
            window, calls = await ask(pool, client, exchange, symbol, market_id, minutes, await clock()), calls + 1
        windows.append(window)
        coarser_step = COUNT_MINUTES[k + 1] * 60_000 if k + 1 < len(COUNT_MINUTES) else window.step_ms
        if window.reaches_listing:
            break
        upper = min(upper, max(lo, ceil_to(window.first_ms, coarser_step)))
    return TradeCounts(tuple(windows)), calls
