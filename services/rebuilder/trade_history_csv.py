"""Kraken's trading-history CSV (`unix_s,price,volume`) streamed into trade batches and candles.

Files can be gigabytes, so nothing reads them whole: a plain file goes through polars' streaming
CSV scan, a member of a ZIP is decompressed and parsed a chunk at a time, never unpacked to disk.
Every row is a distinct trade, even when byte-identical to another: nothing is de-duplicated.
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO

import polars as pl
import pyarrow as pa

from services.rebuilder.aggregate import TradeAggregator
from services.rebuilder.exact import float_units, parse_error
from shared.kraken.constants import NS_PER_S, PRICE_DECIMALS, VOLUME_DECIMALS
from shared.kraken.dumps.csv_rows import has_header

# Prices and volumes are read as float64, the fast parse, and a chunk whose floats cannot give back
# the exact integer units of their text (services/rebuilder/exact.py float_units) is read again with
# that column as a decimal, never through float, so the aggregator sums exact integers either way.
# Kraken prints prices with at most 10 decimals, so a price is its float's nearest 1e-10 unit below
# 225,179; volumes are checked for any text, as newer dump files print float noise in some.
FAST_SCHEMA = {"ts": pl.Int64, "price": pl.Float64, "volume": pl.Float64}
EXACT_TYPES = {"price": pl.Decimal(38, PRICE_DECIMALS), "volume": pl.Decimal(38, VOLUME_DECIMALS)}
Schema = dict[str, pl.DataType]
Source = str | os.PathLike


def _open(source: Source, member: str | None, stack: contextlib.ExitStack) -> IO[bytes]:
    if member is None:
        return stack.enter_context(open(source, "rb"))
    return stack.enter_context(stack.enter_context(zipfile.ZipFile(source)).open(member))


def _first_line(source: Source, member: str | None) -> bytes:
    with contextlib.ExitStack() as stack:
        return _open(source, member, stack).readline(4096)


def _doubtful(df: pl.DataFrame) -> Schema:
    """The float columns of a parsed chunk whose units float_units cannot vouch for, as decimal types.
    A price needs only its bound, taken from polars' min and max without a copy of the column."""
    out: Schema = {}
    price, volume = df.get_column("price"), df.get_column("volume")
    if price.dtype == pl.Float64 and price.len() and \
            not parse_error(price.nan_min(), price.nan_max(), PRICE_DECIMALS) < 0.5:
        out["price"] = EXACT_TYPES["price"]
    if volume.dtype == pl.Float64 and float_units(volume.to_numpy(), VOLUME_DECIMALS, any_text=True) is None:
        out["volume"] = EXACT_TYPES["volume"]
    return out


def _chunks(stream: IO[bytes], header: bool, chunk_bytes: int) -> Iterator[pl.DataFrame]:
    """Parse whole lines a chunk at a time, so memory is bounded by chunk_bytes, not the file."""
    if header:
        stream.readline()
    rest = b""
    while True:
        buf = stream.read(chunk_bytes)
        data = rest + buf
        cut = len(data) if not buf else data.rfind(b"\n") + 1
        rest = data[cut:]
        if data[:cut].strip():
            df = pl.read_csv(io.BytesIO(data[:cut]), has_header=False, schema=FAST_SCHEMA)
            if doubt := _doubtful(df):
                df = pl.read_csv(io.BytesIO(data[:cut]), has_header=False, schema=FAST_SCHEMA | doubt)
            yield df
        if not buf:
            return


def _scanned(source: Source, header: bool, batch_rows: int, to_ns: pl.Expr) -> Iterator[pl.DataFrame]:
    """A plain file through polars' streaming scan (the conversion to ns runs in its parallel engine).
    At the first batch with a doubtful column the scan starts again at that batch's first line with the
    column as a decimal, and goes on so to the end: a file printing float noise prints it throughout,
    and one pass at a time keeps the reading linear."""
    schema, done = FAST_SCHEMA, 0
    while True:
        lf = pl.scan_csv(source, has_header=False, skip_lines=int(header) + done, schema=schema)
        for df in lf.with_columns(to_ns).collect_batches(chunk_size=batch_rows):
            if doubt := _doubtful(df):
                schema = schema | doubt
                break
            done += df.height
            yield df
        else:
            return


def iter_trade_batches(
    source: Source,
    *,
    member: str | None = None,
    start_s: int | None = None,
    end_s: int | None = None,
    batch_rows: int = 1_000_000,
    chunk_bytes: int = 8 << 20,
) -> Iterator[pl.DataFrame]:
    """Trades with start_s <= unix_s < end_s as DataFrames (ts in ns, price, volume), file order kept.

    `member` names a CSV inside the ZIP archive `source`. Same-second trades keep their file order,
    which is all the aggregator needs (open is the first, close the last), so no offsets are invented.
    """
    first = _first_line(source, member)
    if not first.strip():
        return
    header = has_header(first)
    to_ns = pl.col("ts") * NS_PER_S
    lo = None if start_s is None else start_s * NS_PER_S
    hi = None if end_s is None else end_s * NS_PER_S
    with contextlib.ExitStack() as stack:
        if member is None:
            frames: Iterable[pl.DataFrame] = _scanned(source, header, batch_rows, to_ns)
        else:
            chunks = _chunks(_open(source, member, stack), header, chunk_bytes)
            frames = (df.with_columns(to_ns) for df in chunks)
        for df in frames:
            if df.height == 0:
                continue
            ts = df.get_column("ts")
            # Files are in time order: once past end_s nothing later can be inside the window.
            past_end = hi is not None and ts[-1] >= hi
            if lo is not None and ts[0] < lo:
                df = df.filter(pl.col("ts") >= lo)
            if past_end:
                df = df.filter(pl.col("ts") < hi)
            # A ZIP member is read by bytes: its chunks are cut to batch_rows here too.
            for at in range(0, df.height, batch_rows):
                yield df.slice(at, batch_rows)
            if past_end:
                return


def import_dump(
    source: Source,
    timeframes: Iterable[str],
    end_ms: int,
    *,
    member: str | None = None,
    start_s: int | None = None,
    empty: str = "sparse",
) -> Iterator[tuple[str, pa.Table]]:
    """(timeframe, closed candles) as the dump streams by, then the ones closed by end_ms.

    The dump is taken as complete over [start_s, end_ms): a bucket reaching outside that is
    incomplete and never yielded.
    """
    start_ms = None if start_s is None else start_s * 1000
    agg = TradeAggregator(timeframes, start_ms=start_ms, empty=empty)
    end_s = -(-end_ms // 1000)  # trades at whole seconds before end_ms
    for batch in iter_trade_batches(source, member=member, start_s=start_s, end_s=end_s):
        for tf, table in agg.feed(batch).items():
            if table.num_rows:
                yield tf, table
    for tf, table in agg.finish(end_ms).items():
        if table.num_rows:
            yield tf, table
