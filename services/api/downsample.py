"""Candles for a chart, pure: a bounded number of points whatever the range. Where the stored
timeframe would give more than asked for, candles are merged into coarser buckets (open of the first,
high and low of all, close of the last, volume summed), as a coarser timeframe would show them."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from shared.lake.timeframes import millis

# Buckets a chart may show, finest first: the lake's timeframes, then months of 30 days.
BUCKETS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w")
MONTH_MS = 30 * 86_400_000
COLUMNS = ["t", "open", "high", "low", "close", "volume"]


def bucket_ms(timeframe: str, start_ms: int, end_ms: int, points: int) -> int:
    """The finest bucket, no finer than the stored timeframe, that shows the range in `points` or fewer."""
    floor = millis(timeframe)
    for name in BUCKETS:
        step = millis(name)
        if step >= floor and (end_ms - start_ms) / step <= points:
            return step
    months = -(-(end_ms - start_ms) // MONTH_MS)
    return max(MONTH_MS * -(-months // points), floor)


def _buckets(df: pl.DataFrame, step_ms: int) -> pl.DataFrame:
    return (df.sort("t").group_by((pl.col("t") // step_ms * step_ms).alias("bucket"), maintain_order=True)
            .agg(pl.col("open").first(), pl.col("high").max(), pl.col("low").min(), pl.col("close").last(),
                 pl.col("volume").sum())
            .rename({"bucket": "t"}))


def chart_points(candles: pa.Table, step_ms: int) -> pl.DataFrame:
    """The candles (of one partition) per bucket of `step_ms`: t (ms, the bucket's open), OHLC, volume."""
    df = pl.from_arrow(candles.select(["ts", "open", "high", "low", "close", "volume"]))
    return _buckets(df.rename({"ts": "t"}).with_columns(pl.col("t").cast(pl.Int64)), step_ms)


def merged(parts: list[pl.DataFrame], step_ms: int) -> pl.DataFrame:
    """The partitions' points as one series: a bucket that spans two partitions (a week across New
    Year) is merged again."""
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.Float64) | {"t": pl.Int64})
    return _buckets(pl.concat(parts), step_ms).select(COLUMNS)
