"""Pure merging of candle batches into lake partitions: one row per ts, sorted, and where two sources
hold the same candle the more trusted one wins (shared.lake.schema.SOURCE_RANK); between equals, the newer."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

from shared.lake.comparison import compare_candles
from shared.lake.schema import SCHEMA, SOURCE_RANK


def split_by_year(table: pa.Table) -> dict[int, pa.Table]:
    frame = pl.from_arrow(table).with_columns(pl.col("ts").dt.year().alias("_year"))
    return {year: part.drop("_year").to_arrow().cast(SCHEMA)
            for (year,), part in frame.partition_by("_year", as_dict=True, maintain_order=True).items()}


def merge(existing: pa.Table | None, incoming: pa.Table) -> pa.Table:
    frames = [pl.from_arrow(incoming).with_columns(pl.lit(1).alias("_newer"))]
    if existing is not None and existing.num_rows:
        frames.insert(0, pl.from_arrow(existing.cast(SCHEMA)).with_columns(pl.lit(0).alias("_newer")))
    merged = (
        pl.concat(frames)
        .with_columns(pl.col("source").replace_strict(SOURCE_RANK, return_dtype=pl.Int8).alias("_rank"))
        .sort(["ts", "_rank", "_newer"])
        .unique(subset="ts", keep="last", maintain_order=True)
        .drop("_rank", "_newer")
    )
    return merged.to_arrow().cast(SCHEMA)


def compare_with_stored(existing: pa.Table | None, incoming: pa.Table) -> dict | None:
    """Where the partition already holds a candle from another source, the two are compared: this is
    how every seam between the dump, rebuilt trades and REST is checked."""
    if existing is None or not existing.num_rows or not incoming.num_rows:
        return None
    source = incoming.column("source")[0].as_py()
    others = pl.from_arrow(existing).filter(pl.col("source") != source)
    if others.is_empty():
        return None
    report = compare_candles(incoming, others.to_arrow())
    return report if report["compared"] else None


def ts_bounds(table: pa.Table) -> tuple[datetime, datetime]:
    ts = table.column("ts")
    first, last = ts[0].as_py(), ts[-1].as_py()
    return first.astimezone(UTC), last.astimezone(UTC)
