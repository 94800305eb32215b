"""The candle schema of the lake (README, "The lake") and the source ranking used when sources overlap."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema(
    [
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("open", pa.float64()),
        ("high", pa.float64()),
        ("low", pa.float64()),
        ("close", pa.float64()),
        ("volume", pa.float64()),
        ("vwap", pa.float64()),
        ("trades", pa.int64()),
        ("source", pa.string()),
    ]
)
# volume and vwap stay float64, each rounded once from the rebuild's exact integer sums, with no extra
# integer columns: a rebuild emits a candle only when its whole bucket lies inside the job's range and
# every trade of it has been summed (a bucket cut by the job's start or end is never sent; one left
# open at a page, a dump chunk or a checkpoint is carried as integers to the next), so no stored candle
# is ever a part to be added to another. The writer only picks one candle per ts (SOURCE_RANK), and two
# rebuilds of the same bucket give the same bits, whatever jobs they ran in.
SOURCES = ("zip", "trades", "rest")

# Kraken computes its own candles from trades, so the dump and trade-rebuilt candles outrank REST,
# whose newest candles can still be revised. The dump is Kraken's own published record, so where it
# and a rebuild meet (a seam) the dump's candle stays and the rebuilt one is only compared with it.
SOURCE_RANK = {"zip": 3, "trades": 2, "rest": 1}


# Only `source` repeats enough to gain from a dictionary; trying one on the float columns costs more
# time than the whole rest of the write.
PARQUET_OPTIONS = {"compression": "zstd", "use_dictionary": ["source"]}


def empty_table() -> pa.Table:
    return SCHEMA.empty_table()


def to_parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    return sink.getvalue()


def from_parquet(data: bytes) -> pa.Table:
    """A lake partition (or a staged batch) as read back: always in the lake's schema."""
    return pq.read_table(io.BytesIO(data)).cast(SCHEMA)
