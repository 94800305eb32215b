"""Reading candles back from the lake, one year partition at a time, so memory stays that of one
partition whatever the range. Used to validate what a job stored and to hand it to a user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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


async def read_batches(storage: Storage, exchange: str, symbol: str, timeframe: str, years: list[int],
                       start_ms: int, end_ms: int, batch_rows: int,
                       threads: Executor | None = None) -> AsyncIterator[pa.Table]:
    """Candles with start_ms <= ts < end_ms of the given year partitions, in slices of at most
    `batch_rows`. Only a partition's compressed bytes and one decoded slice are held at a time, and
    every decode runs on a thread (of `threads`, else the loop's default ones): a download of any
    length costs the memory of one partition."""
    loop = asyncio.get_running_loop()
    for year, (lo, hi) in year_spans(start_ms, end_ms):
        if year not in years:
            continue
        data = await storage.read(partition_key(exchange, symbol, timeframe, year))
        if data is None:
            continue
        batches = await loop.run_in_executor(threads, _batches, data, lo, hi, batch_rows)
        while (table := await loop.run_in_executor(threads, next, batches, None)) is not None:
            if table.num_rows:
                yield table


def _batches(data: bytes, lo: int, hi: int, batch_rows: int) -> Iterator[pa.Table]:
    reader = pq.ParquetFile(pa.BufferReader(data))
    # One thread: decoding columns in parallel holds them all at once, and a download is bulk work
    # that must leave the other cores to the rest of the API.
    for batch in reader.iter_batches(batch_size=batch_rows, use_threads=False):
        table = pa.Table.from_batches([batch]).cast(SCHEMA)
        ts = table.column("ts").cast(pa.int64())
        bounds = pc.min_max(ts)
        if table.num_rows and lo <= bounds["min"].as_py() and bounds["max"].as_py() < hi:
            yield table  # wholly inside: no copy
        else:
            yield table.filter(pc.and_(pc.greater_equal(ts, lo), pc.less(ts, hi)))
