"""The exchange client against a hostile Kraken: mixed faults on 20% of calls and a pressed rate limit
change nothing in the data, cost at most 1.5x the calls plus the failed ones, and a permanent error
stops at once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from services.fetcher.rest_fetch import fetch_rest
from services.rebuilder.cursor import Cursor
from services.rebuilder.rebuild import page_trades
from shared.jobs.commands import JobCommand
from shared.kraken.client import ExchangeClient
from shared.platform.errors import PermanentError
from shared.platform.settings import Settings
from tests.integration.times import NOW

START, END = NOW - timedelta(hours=10), NOW - timedelta(hours=2)


def settings_for(url: str) -> Settings:
    return Settings(kraken_api_url=url, kraken_rate_limit_ms=5, kraken_timeout_ms=1500,
                    exchange_backoff_base_s=0.02, exchange_backoff_max_s=0.2, exchange_max_retries=30)


def command(timeframe: str, start: datetime, end: datetime) -> JobCommand:
    return JobCommand(job_id=uuid.uuid4(), exchange="kraken", symbol="BTC/USD", timeframe=timeframe,
                      start_ms=int(start.timestamp() * 1000), end_ms=int(end.timestamp() * 1000))


async def run_all(url: str, messages: list[str]) -> tuple[list, ExchangeClient]:
    """A REST fetch for several timeframes and a trade paging run: every kind of call we make."""
    async def notify(text: str) -> None:
        messages.append(text)

    out = []
    async with ExchangeClient(settings_for(url), notify) as client:
        market = await client.market("BTC/USD")
        for tf in ("1m", "15m", "1h", "1d"):
            cmd = command(tf, START, END)
            outcome = await fetch_rest(client, cmd, market.id, 5000, cmd.start_ms, cmd.end_ms)
            out.append([b.model_dump(exclude={"job_id"}) for b in outcome.batches])
        pages: list = []

        async def on_page(trades, done) -> None:
            pages.append(trades)

        await page_trades(client, market.id, Cursor.at(int(START.timestamp() * 1000)), int(END.timestamp() * 1000),
                          on_page)
        out.append([t.to_pylist() for t in pages if t.num_rows])
    return out, client


async def test_faults_and_rate_limit_change_nothing(simulator_factory):
    async with simulator_factory(faults=None, rate_limit=None) as clean_sim:
        clean, clean_client = await run_all(clean_sim.url, [])
    messages: list[str] = []
    async with simulator_factory(faults="p=0.2", rate_limit=(2, 5.0)) as hostile:
        faulty, client = await run_all(hostile.url, messages)
        stats = hostile.stats()
    assert faulty == clean
    assert client.failed_calls > 0 and stats.get("rate_limited", 0) > 0
    assert client.calls <= 1.5 * clean_client.calls + client.failed_calls
    assert any("Rate limit hit, backing off" in m for m in messages)
    assert any("unavailable" in m.lower() or "failed" in m.lower() or "timed out" in m.lower() for m in messages)


async def test_unknown_pair_fails_at_once(simulator_factory):
    async with simulator_factory(faults=None, rate_limit=None) as sim:
        async with ExchangeClient(settings_for(sim.url)) as client:
            with pytest.raises(PermanentError, match="not a market"):
                await client.market("NOPE/USD")
            with pytest.raises(PermanentError, match="refused"):
                await client.ohlc("NOPEUSD", 60)
            assert client.calls <= 3
