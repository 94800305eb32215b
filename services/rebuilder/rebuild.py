"""The REST path of a trade rebuild: page Kraken's Trades with its own nanosecond cursor, aggregate
as the pages arrive, hand candles to the writer, checkpoint after every page.

Paging uses `last` as Kraken returns it, never "last trade time + 1 ms": a busy millisecond can hold
more than a page of trades, and only the cursor walks through it without losing or repeating one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pyarrow as pa
import pyarrow.compute as pc

from services.rebuilder.cursor import Cursor
from shared.kraken.client import ExchangeClient
from shared.kraken.constants import NS_PER_MS, TRADES_PAGE
from shared.kraken.trades import dedupe_on_trade_id

OnPage = Callable[[pa.Table, bool], Awaitable[None]]


def within(trades: pa.Table, end_ns: int) -> tuple[pa.Table, bool]:
    """The trades before end_ns, and whether the page reached end_ns."""
    if trades.num_rows == 0:
        return trades, False
    keep = pc.less(trades.column("ts"), end_ns)
    kept = trades.filter(keep)
    return kept, kept.num_rows < trades.num_rows


async def page_trades(client: ExchangeClient, market_id: str, cursor: Cursor, end_ms: int,
                      on_page: OnPage) -> None:
    """Pages until a trade at or after end_ms shows up or Kraken has nothing newer."""
    end_ns = end_ms * NS_PER_MS
    last_id: int | None = None
    while True:
        page = await client.trades(market_id, since=cursor.since)
        trades = dedupe_on_trade_id(page.trades)
        if last_id is not None and trades.num_rows and trades.column("trade_id").null_count == 0:
            trades = trades.filter(pc.greater(trades.column("trade_id"), last_id))
        kept, reached_end = within(trades, end_ns)
        caught_up = trades.num_rows < TRADES_PAGE and not reached_end
        if kept.num_rows and kept.column("trade_id").null_count == 0:
            last_id = pc.max(kept.column("trade_id")).as_py()
        cursor.page_read(str(page.last_ns), kept.num_rows)
        await on_page(kept, reached_end or caught_up)
        if reached_end or caught_up:
            return
