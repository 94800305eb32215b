"""include_trades: the raw trades kept as Parquet, one folder per UTC day
(`trades/exchange=…/symbol=…/date=YYYY-MM-DD/part-<first ns>-<count>.parquet`).

Trades are buffered in the checkpointed state so pages of 1,000 do not become thousands of files.
A day is cut into blocks of MAX_BUFFERED trades counted from its first trade, and its last block is
written once the day is complete (or the job ends). So the files depend only on the trades, never on
how pages or dump chunks happened to split them: after a restart from the checkpoint the same trades
are written under the same names, replaced, never doubled."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from shared.lake import trades_key

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
        """(key, trades) of every full block, and of every complete day's last block (all at the end)."""
        if not self.parts:
            return []
        buffered = pa.concat_tables(self.parts)
        days = pl.from_arrow(buffered.column("ts").cast(pa.int64())).to_numpy() // NS_PER_DAY
        out, start, kept = [], 0, []
        while start < len(days):
            stop = start + int((days[start:] == days[start]).sum())  # sorted: the day runs on to here
            while stop - start >= MAX_BUFFERED:
                out.append(self._named(buffered.slice(start, MAX_BUFFERED)))
                start += MAX_BUFFERED
            if start < stop and (final or stop < len(days)):
                out.append(self._named(buffered.slice(start, stop - start)))
            elif start < stop:
                kept = [_compact(buffered.slice(start, stop - start))]
            start = stop
        self.parts = kept
        return out

    def _named(self, part: pa.Table) -> tuple[str, pa.Table]:
        ns = part.column("ts").cast(pa.int64())[0].as_py()
        date = datetime.fromtimestamp(ns // 10**9, UTC).strftime("%Y-%m-%d")
        return trades_key(self.exchange, self.symbol, date, f"part-{ns}-{part.num_rows}.parquet"), part


def _compact(part: pa.Table) -> pa.Table:
    # A slice pickles with the whole buffers under it; the kept trades go into every checkpoint.
    return part.take(pa.array(np.arange(part.num_rows)))


def to_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", use_dictionary=["side", "ordertype"])
    return sink.getvalue()
