"""include_trades: the raw trades kept as Parquet, one folder per UTC day
(`trades/exchange=…/symbol=…/date=YYYY-MM-DD/part-<first ns>-<count>.parquet`).

Trades are buffered in the checkpointed state and written once a day is complete (or the buffer is
large), so pages of 1,000 do not become thousands of files. A file's name comes from its content, so
after a restart the same trades are written under the same name: replaced, never doubled."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from shared.lake import symbol_dir

NS_PER_DAY = 86_400 * 10**9
MAX_BUFFERED = 200_000
SCHEMA = pa.schema([("ts", pa.timestamp("ns", tz="UTC")), ("price", pa.float64()), ("volume", pa.float64()),
                    ("side", pa.string()), ("ordertype", pa.string()), ("trade_id", pa.int64())])


def normalise(trades: pa.Table | pl.DataFrame) -> pa.Table:
    """REST pages carry side, order type and id; dump rows only time, price and volume."""
    table = trades.to_arrow() if isinstance(trades, pl.DataFrame) else trades
    n = table.num_rows
    columns = [table.column(name).cast(SCHEMA.field(name).type) if name in table.column_names
               else pa.nulls(n, SCHEMA.field(name).type) for name in SCHEMA.names]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


@dataclass
class RawTrades:
    exchange: str
    symbol: str
    parts: list[pa.Table] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    written: int = 0

    def add(self, trades: pa.Table | pl.DataFrame) -> None:
        if len(trades):
            self.parts.append(normalise(trades))

    def due(self, final: bool) -> list[tuple[str, pa.Table]]:
        """(key, trades) of every complete day, or of everything at the end or when the buffer is full."""
        if not self.parts:
            return []
        buffered = pa.concat_tables(self.parts)
        days = pl.from_arrow(buffered.column("ts").cast(pa.int64())).to_numpy() // NS_PER_DAY
        flush_all = final or buffered.num_rows >= MAX_BUFFERED
        cut = len(days) if flush_all else int((days < days[-1]).sum())
        out = []
        start = 0
        while start < cut:
            day = days[start]
            stop = start + int((days[start:cut] == day).sum())
            out.append(self._named(buffered.slice(start, stop - start)))
            start = stop
        self.parts = [buffered.slice(cut)] if cut < buffered.num_rows else []
        return out

    def _named(self, part: pa.Table) -> tuple[str, pa.Table]:
        ns = part.column("ts").cast(pa.int64())[0].as_py()
        date = datetime.fromtimestamp(ns // 10**9, UTC).strftime("%Y-%m-%d")
        key = (f"trades/exchange={self.exchange}/symbol={symbol_dir(self.symbol)}/date={date}/"
               f"part-{ns}-{part.num_rows}.parquet")
        return key, part


def to_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", use_dictionary=["side", "ordertype"])
    return sink.getvalue()
