"""A dataset file written deterministically: the same candles give the same bytes, whatever the year
partitions they were read from. Pure (no storage, no database): the writer options are fixed, the row
groups are cut every ROW_GROUP_ROWS rows of the stream (not where a read happened to end), and the
key-value metadata holds no time of writing. With `empty_buckets: fill`, the buckets the ledger holds
without a candle get a flat row (fill_buckets)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shared.lake.schema import SCHEMA, SOURCES
from shared.ledger.intervals import Interval

ROW_GROUP_ROWS = 131_072
# Every option that shapes the bytes, spelt out: a default that changes with pyarrow must not change a
# snapshot's hash unnoticed (the manifest records these and pyarrow's version).
WRITER_OPTIONS = {
    "compression": "zstd", "compression_level": 3, "use_dictionary": ["source"], "write_statistics": True,
    "version": "2.6", "data_page_size": 1 << 20, "data_page_version": "1.0", "store_schema": True,
    "write_page_index": False, "write_page_checksum": False,
}
HASH_CHUNK = 8 << 20


@dataclass
class FileStats:
    rows: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    sources: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    filled: int = 0  # rows inserted for empty buckets (trades = 0)

    def add(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        ts = table.column("ts").cast(pa.int64())
        self.first_ts = ts[0].as_py() if self.first_ts is None else self.first_ts
        self.last_ts = ts[-1].as_py()
        self.rows += table.num_rows
        for item in pc.value_counts(table.column("source")).to_pylist():
            self.sources[item["values"]] = self.sources.get(item["values"], 0) + item["counts"]
        self.filled += pc.sum(pc.equal(table.column("trades"), 0)).as_py() or 0


class SnapshotWriter:
    """Candles in rising ts order in, one Parquet file out, in row groups of ROW_GROUP_ROWS."""

    def __init__(self, path: Path, metadata: dict[bytes, bytes]) -> None:
        self.schema = SCHEMA.with_metadata(metadata)
        self.writer = pq.ParquetWriter(path, self.schema, **WRITER_OPTIONS)
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.stats = FileStats()

    def write(self, table: pa.Table) -> None:
        table = table.cast(SCHEMA).replace_schema_metadata(self.schema.metadata)
        self.stats.add(table)
        self.pending.append(table)
        self.pending_rows += table.num_rows
        while self.pending_rows >= ROW_GROUP_ROWS:
            whole = pa.concat_tables(self.pending)
            self.writer.write_table(whole.slice(0, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
            rest = whole.slice(ROW_GROUP_ROWS)
            self.pending, self.pending_rows = [rest], rest.num_rows

    def close(self) -> FileStats:
        if self.pending_rows or self.stats.rows == 0:
            whole = pa.concat_tables(self.pending) if self.pending else self.schema.empty_table()
            self.writer.write_table(whole.combine_chunks(), row_group_size=ROW_GROUP_ROWS)
        self.writer.close()
        return self.stats


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fill_buckets(candles: pa.Table, held: list[Interval], step_ms: int, lo: int, hi: int,
                 prev_close: float | None) -> tuple[pa.Table, float | None]:
    """The candles of [lo, hi) with a flat row in every bucket the ledger holds (data or no_trades)
    that has none: open = high = low = close = the previous candle's close, volume 0, vwap null,
    trades 0, source the interval's. A bucket before the first candle (no previous close, here or
    carried in `prev_close` from the previous chunk) stays empty. Returns the rows and the last close."""
    parts, labels = [], []
    for i in held:
        if i.state == "missing":
            continue
        first = -(-max(i.start_ms, lo) // step_ms) * step_ms
        buckets = np.arange(first, min(i.end_ms, hi), step_ms, dtype=np.int64)
        parts.append(buckets)
        labels.append(np.full(len(buckets), i.source or "", dtype=object))
    df = pl.from_arrow(candles).with_columns(pl.col("ts").cast(pl.Int64))
    if parts:
        empty = pl.DataFrame({"ts": np.concatenate(parts), "source": np.concatenate(labels).astype(str)})
        empty = empty.join(df.select("ts"), on="ts", how="anti").with_columns(pl.lit(True).alias("_filled"))
        df = pl.concat([df.with_columns(pl.lit(False).alias("_filled")), empty], how="diagonal_relaxed").sort("ts")
        close = pl.col("close").forward_fill().fill_null(prev_close) if prev_close is not None else \
            pl.col("close").forward_fill()
        flat = pl.col("_filled")
        df = df.with_columns(close.alias("_close")).with_columns(
            *(pl.when(flat).then(pl.col("_close")).otherwise(pl.col(c)).alias(c) for c in ("open", "high", "low", "close")),
            pl.when(flat).then(0.0).otherwise(pl.col("volume")).alias("volume"),
            pl.when(flat).then(0).otherwise(pl.col("trades")).alias("trades"),
        ).filter(pl.col("close").is_not_null()).drop("_filled", "_close")
    last = df.get_column("close")[-1] if df.height else prev_close
    out = df.with_columns(pl.col("ts").cast(pl.Datetime("ms", "UTC"))).select(SCHEMA.names).to_arrow()
    return out.cast(SCHEMA), last
