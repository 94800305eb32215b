"""Keeps the markets table in step with the exchange's own market list (ccxt load_markets)."""

from __future__ import annotations

import asyncpg
import structlog

from shared.kraken.answers import Market
from shared.kraken.budget import budget_for
from shared.kraken.client import ExchangeClient
from shared.platform.settings import Settings

log = structlog.get_logger()

_UPSERT = """
INSERT INTO markets (exchange, symbol, exchange_id, altname, wsname, base, quote, active, enabled)
VALUES ('kraken', $1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (exchange, symbol) DO UPDATE SET exchange_id = $2, altname = $3, wsname = $4, base = $5,
    quote = $6, active = $7, enabled = markets.enabled OR $8, updated_at = now()
"""


def market_row(market: Market, enabled: set[str]) -> tuple:
    return (market.symbol, market.id, market.altname, market.wsname, market.base, market.quote, market.active,
            market.symbol in enabled)


async def sync_markets(pool: asyncpg.Pool, settings: Settings) -> int:
    async with ExchangeClient(settings, budget=budget_for(pool, settings)) as client:
        markets = await client.markets()
    rows = [market_row(m, set(settings.enabled_markets)) for m in markets if m.spot]
    async with pool.acquire() as conn:
        await conn.executemany(_UPSERT, rows)
    log.info("markets.synced", exchange="kraken", markets=len(rows))
    return len(rows)
