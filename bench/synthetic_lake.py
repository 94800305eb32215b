"""A lake of synthetic candles, built directly (no exchange, no job): a random walk with a candle in
every bucket, written a year partition at a time through the writer's own write_partition, so the
files and the lake_partitions rows are those a real job leaves. For the candles query's benchmark and
its tests."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import asyncpg
import numpy as np
import pyarrow as pa

from services.writer.handler import write_partition
from shared.jobs.commands import CandleBatch
from shared.lake.layout import year_spans
from shared.lake.schema import SCHEMA
from shared.lake.storage import Storage
from shared.lake.timeframes import millis


def synthetic_candles(start_ms: int, end_ms: int, step_ms: int, seed: int = 1) -> pa.Table:
    first = -(-start_ms // step_ms) * step_ms
    ts = np.arange(first, end_ms, step_ms, dtype=np.int64)
    rng = np.random.default_rng(seed + first // step_ms)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 1e-3, len(ts))))
    open_ = np.concatenate([[close[0]], close[:-1]]) if len(ts) else close
    spread = np.abs(rng.normal(0, 5e-4, len(ts))) * close
    high, low = np.maximum(open_, close) + spread, np.minimum(open_, close) - spread
    volume = np.round(rng.exponential(2.0, len(ts)), 8) + 1e-8
    return pa.table({
        "ts": pa.array(ts).cast(pa.timestamp("ms", tz="UTC")), "open": open_, "high": high, "low": low,
        "close": close, "volume": volume, "vwap": (high + low + close) / 3,
        "trades": rng.integers(1, 500, len(ts)), "source": pa.array(["trades"] * len(ts))}, schema=SCHEMA)


async def write_lake(pool: asyncpg.Pool, storage: Storage, exchange: str, symbol: str, timeframe: str,
                     start_ms: int, end_ms: int) -> int:
    """Candles in every bucket of [start_ms, end_ms); the rows written."""
    runtime = SimpleNamespace(pool=pool, settings=SimpleNamespace(lake_public_url=None))
    batch = CandleBatch(job_id=uuid.uuid4(), batch_id="synthetic", exchange=exchange, symbol=symbol,
                        timeframe=timeframe, source="trades")
    rows = 0
    for year, (lo, hi) in year_spans(start_ms, end_ms):
        part = synthetic_candles(lo, hi, millis(timeframe))
        await write_partition(runtime, storage, batch, year, part)
        rows += part.num_rows
    return rows
