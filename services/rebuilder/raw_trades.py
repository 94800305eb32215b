"""include_trades: the raw trades kept as Parquet, one file per UTC day
(`trades/exchange=…/symbol=…/date=YYYY-MM-DD/part-0.parquet`), sorted by time.

A rebuild reads every trade of its range, so whatever it writes is the whole truth of a time span:
each write *replaces* the span [lo, hi) of a day's file with the trades the job read there, and keeps
the rest of the day. So two jobs over overlapping ranges never double a trade, a restart that replays
from its checkpoint writes the same span again with the same trades, and a trading-history dump's rows
(no trade id, and same-second twins that are real trades) need no de-duplication on content.

Trades are buffered in the checkpointed state so that pages of 1,000 do not become thousands of
rewrites: the buffer is flushed when a day is complete, when it holds MAX_BUFFERED trades, and at the
end. A flush never cuts between trades of one instant, since the next page may hold more of it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from services.rebuilder.saved import Saved

NS_PER_DAY = 86_400 * 10**9
MAX_BUFFERED = 200_000
SCHEMA = pa.schema([("ts", pa.timestamp("ns", tz="UTC")), ("price", pa.float64()), ("volume", pa.float64()),
                    ("side", pa.string()), ("ordertype", pa.string()), ("trade_id", pa.int64())])


def normalise(trades: pa.Table | pl.DataFrame) -> pa.Table:
    """REST pages carry side, order type and id; dump rows only time, price and volume. Decimal
    prices and volumes become the float64 nearest them (polars rounds correctly, pyarrow's cast not)."""
    frame = trades if isinstance(trades, pl.DataFrame) else pl.DataFrame(pl.from_arrow(trades))
    table = frame.with_columns(pl.col("price", "volume").cast(pl.Float64)).to_arrow()
    n = table.num_rows
    columns = [table.column(name).cast(SCHEMA.field(name).type) if name in table.column_names
               else pa.nulls(n, SCHEMA.field(name).type) for name in SCHEMA.names]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def _ns(table: pa.Table) -> np.ndarray:
    return table.column("ts").cast(pa.int64()).to_numpy()


def day_of(ns: int) -> str:
    return datetime.fromtimestamp(ns // NS_PER_DAY * 86_400, UTC).strftime("%Y-%m-%d")


def day_start_ns(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()) * 10**9


@dataclass(frozen=True)
class Flush:
    """Every trade of [lo_ns, hi_ns): what the job read there, to replace what is stored there."""
    lo_ns: int
    hi_ns: int
    trades: pa.Table

    def by_day(self, stored_days: list[str]) -> list[tuple[str, int, int, pa.Table]]:
        """(day, lo, hi, trades) per day the span touches that has new trades or a stored file."""
        ts = _ns(self.trades)
        days = set(stored_days) | {day_of(int(t)) for t in np.unique(ts // NS_PER_DAY) * NS_PER_DAY}
        out = []
        for day in sorted(days):
            start = day_start_ns(day)
            lo, hi = max(self.lo_ns, start), min(self.hi_ns, start + NS_PER_DAY)
            if lo < hi:
                first, last = np.searchsorted(ts, [lo, hi])
                out.append((day, lo, hi, self.trades.slice(int(first), int(last - first))))
        return out


def replace_span(stored: pa.Table | None, lo_ns: int, hi_ns: int, trades: pa.Table) -> pa.Table:
    """The day's trades with [lo, hi) replaced; the order of time (and of file order within an instant)."""
    if stored is None:
        return trades
    ts = stored.column("ts").cast(pa.int64())
    before = stored.filter(pc.less(ts, lo_ns))
    after = stored.filter(pc.greater_equal(ts, hi_ns))
    return pa.concat_tables([before, trades, after])


@dataclass
class RawTrades:
    exchange: str
    symbol: str
    flushed_to_ns: int  # every trade before this instant has been written
    parts: list[pa.Table] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    written: int = 0

    def add(self, trades: pa.Table | pl.DataFrame) -> None:
        if len(trades):
            self.parts.append(normalise(trades))

    def buffered(self) -> pa.Table:
        return pa.concat_tables(self.parts) if self.parts else SCHEMA.empty_table()

    def due(self, final: bool, end_ns: int) -> Flush | None:
        """What to write now: up to end_ns at the end; else up to the start of the day of the newest
        trade, or, with a full buffer, up to the newest instant."""
        buffered = self.buffered()
        if final:
            cut = end_ns
        elif not buffered.num_rows:
            return None
        else:
            ts = _ns(buffered)
            cut = int(ts[-1]) // NS_PER_DAY * NS_PER_DAY
            if cut <= self.flushed_to_ns and buffered.num_rows >= MAX_BUFFERED:
                cut = int(ts[-1])
            if cut <= self.flushed_to_ns:
                return None
        if cut <= self.flushed_to_ns:
            return None
        split = int(np.searchsorted(_ns(buffered), cut)) if buffered.num_rows else 0
        flush = Flush(self.flushed_to_ns, cut, buffered.slice(0, split))
        self.parts = [_compact(buffered.slice(split))] if split < buffered.num_rows else []
        self.flushed_to_ns = cut
        return flush

    def to_saved(self) -> Saved:
        return Saved({"exchange": self.exchange, "symbol": self.symbol, "flushed_to_ns": self.flushed_to_ns,
                      "files": self.files, "written": self.written}, {"buffer": self.buffered()})

    @classmethod
    def from_saved(cls, saved: Saved) -> RawTrades:
        buffered = saved.tables["buffer"]
        return cls(**saved.document, parts=[buffered] if buffered.num_rows else [])


def _compact(part: pa.Table) -> pa.Table:
    # The kept trades go into every checkpoint: as one compact chunk, not a slice of the buffers before.
    return part.take(pa.array(np.arange(part.num_rows)))


def to_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", use_dictionary=["side", "ordertype"])
    return sink.getvalue()
