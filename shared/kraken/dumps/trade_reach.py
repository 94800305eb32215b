"""How much of a rebuild Kraken's trading-history dump covers, as known now: plain CSVs where they lie
(KRAKEN_TRADES_SOURCE), or the ZIPs already cached. The rebuilder reads those stretches; the cost
estimates leave them out, since they cost no Trades call."""

from __future__ import annotations

import asyncio

import asyncpg

from shared.kraken.dumps.trade_csv import csv_stretches, is_csv_source
from shared.kraken.dumps.trade_stretches import DumpStretch, dump_stretches


async def known_stretches(pool: asyncpg.Pool, source: str | None, exchange: str, symbol: str, altname: str,
                          start_ms: int, end_ms: int, *, skip_gaps: bool = False) -> list[DumpStretch]:
    """Chained from start_ms on (what a rebuild of the range reads); with skip_gaps, every stretch the
    dumps hold in the range, wherever it lies."""
    if is_csv_source(source):
        return await asyncio.to_thread(csv_stretches, source, altname, start_ms, end_ms, skip_gaps)
    return await dump_stretches(pool, exchange, symbol, start_ms, end_ms, skip_gaps=skip_gaps)
