"""One budget of Kraken calls for every process and replica behind one IP, kept in PostgreSQL.

Kraken limits public calls per IP with a counter: each call raises it by 1, it decays at a fixed rate,
and a call that would take it past the burst is refused ("EAPI:Rate limit exceeded"). Spacing its own
calls, each process would be within the limit and the replicas together far beyond it; so every HTTP
request ccxt sends first books a turn from one row of `exchange_call_budget` (migration 010) and waits
until it is due. The row holds when the counter, as Kraken sees it, would be back at zero; booking a
turn pushes that instant one call further and answers how long the caller must wait, in one atomic
UPDATE on the database's clock, so replicas on hosts whose clocks differ still agree.

Nothing is held between booking and calling: a replica that dies with a turn booked leaves one slot
unused, which decays like a call that went out. ccxt's own per-process spacing is off while the
budget decides: as a floor it would only keep a lone replica below what Kraken allows."""

from __future__ import annotations

import asyncio

import asyncpg
import ccxt.async_support as ccxt
import structlog

from shared.platform.settings import Settings

log = structlog.get_logger()

# One statement: the row is created by the first turn, and concurrent turns queue on its row lock.
_BOOK = """
INSERT INTO exchange_call_budget AS b (api_url, booked_until)
VALUES ($1, statement_timestamp() + make_interval(secs => $2))
ON CONFLICT (api_url) DO UPDATE
    SET booked_until = greatest(b.booked_until, statement_timestamp()) + make_interval(secs => $2)
RETURNING greatest(0, extract(epoch FROM b.booked_until - statement_timestamp())::float8 - $3)
"""


class CallBudget:
    """Turns from the shared budget of one exchange API (its URL is the key: one IP, one counter)."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self.pool = pool
        self.key = settings.kraken_api_url.rstrip("/")
        decay = settings.kraken_budget_decay
        self.seconds_per_call = 1.0 / decay
        # How far ahead of now the counter may be booked: the burst, less the margin, in seconds of decay.
        self.burst_s = (settings.kraken_budget_burst - settings.kraken_budget_margin) / decay

    async def book(self) -> float:
        """Books the next turn; the seconds until it is due."""
        return await self.pool.fetchval(_BOOK, self.key, self.seconds_per_call, self.burst_s)

    async def turn(self, cost: object = None) -> None:
        """Waits for a turn; it stands in for ccxt's throttle (whose cost weights are not Kraken's: each
        public call counts 1)."""
        wait = await self.book()
        if wait > 0:
            await asyncio.sleep(wait)


def budget_for(pool: asyncpg.Pool, settings: Settings) -> CallBudget | None:
    """The shared budget, or None where KRAKEN_BUDGET_SHARED is off (each process spaces its own calls)."""
    return CallBudget(pool, settings) if settings.kraken_budget_shared else None


_told_local = False


def govern(exchange: ccxt.Exchange, budget: CallBudget | None, spacing_ms: int) -> None:
    """Puts the exchange's calls under the budget; without one ccxt spaces this process's calls alone."""
    global _told_local
    if budget is not None:
        exchange.throttle = budget.turn
    elif not _told_local:
        _told_local = True
        log.info("exchange.budget.local", spacing_ms=spacing_ms,
                 reason="no shared budget: this process spaces its own calls; replicas add up")
