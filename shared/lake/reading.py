"""Reading candles back from the lake, one year partition at a time, so memory stays that of one
partition whatever the range. Used to validate what a job stored and to hand it to a user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pyarrow as pa
import pyarrow.compute as pc

from shared.lake.layout import partition_key, year_spans
from shared.lake.schema import SCHEMA, from_parquet
from shared.lake.storage import Storage


async def read_years(storage: Storage, exchange: str, symbol: str, timeframe: str, start_ms: int,
                     end_ms: int) -> AsyncIterator[tuple[int, int, pa.Table]]:
    """(lo, hi, candles with lo <= ts < hi) per year partition of [start_ms, end_ms); an absent
    partition gives an empty table."""
    for year, (lo, hi) in year_spans(start_ms, end_ms):
        data = await storage.read(partition_key(exchange, symbol, timeframe, year))
        # Decoding a year of 1m candles takes a while: off the event loop, which serves everyone else.
        yield lo, hi, await asyncio.to_thread(_window, data, lo, hi)


def _window(data: bytes | None, lo: int, hi: int) -> pa.Table:
    table = from_parquet(data) if data is not None else SCHEMA.empty_table()
    ts = table.column("ts").cast(pa.int64())
    return table.filter(pc.and_(pc.greater_equal(ts, lo), pc.less(ts, hi)))
