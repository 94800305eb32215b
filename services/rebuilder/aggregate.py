"""Streaming aggregation of time-ordered trades into candles of several timeframes in one pass.

Memory stays bounded whatever the range: each batch is reduced to candles at once, and only the
still-open last bucket of each timeframe is carried to the next batch. Buckets are epoch-aligned
(shared/lake/timeframes.py), as Kraken's are, so 1w candles open on Thursdays 00:00 UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np
import polars as pl
import pyarrow as pa

from services.rebuilder import buckets as bk
from services.rebuilder import exact
from services.rebuilder.saved import Saved
from shared.kraken.constants import PRICE_DECIMALS, VOLUME_DECIMALS
from shared.lake.timeframes import millis

Batch = pa.Table | pa.RecordBatch | pl.DataFrame
# A checkpoint's copy of the open buckets (one partial bucket per timeframe, its exact sums as integer
# limbs, so a restart goes on with the very integers it stopped at) and of the last closes.
OPEN_BUCKETS = pa.schema([("timeframe", pa.string()),
                          *((f, pa.int64() if f in bk.COUNTS else pa.float64()) for f in bk.FIELDS)])
LAST_CLOSES = pa.schema([("timeframe", pa.string()), ("ts", pa.int64()), ("close", pa.float64())])


def _floats(column: pl.Series) -> np.ndarray | None:
    """A float column's values as float64 (a copy where polars holds them in several chunks)."""
    return None if column.dtype.is_decimal() else column.cast(pl.Float64).to_numpy()


def _units(column: pl.Series, decimals: int, floats: np.ndarray | None) -> np.ndarray:
    """Integer units of 10**-decimals (int64). A Decimal column (Kraken's text, parsed without float)
    is rescaled exactly, rounded half to even past `decimals`. A float column is taken as parsed from
    texts with at most `decimals` decimals: below 2**51 units the nearest unit is that text's exactly
    (exact.float_units); larger values are rounded from their exact binary value by polars."""
    if column.null_count():
        raise ValueError("trade columns must not hold nulls")
    if floats is not None:
        units = exact.float_units(floats, decimals)
        if units is not None:
            return units
    return column.cast(pl.Decimal(38, decimals)).to_physical().cast(pl.Int64).to_numpy()


def trade_columns(batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ts (int64 ns), price (float64), price in 1e-10 units and volume in 1e-8 units (int64) as numpy
    arrays. price and volume may be Decimal (exact) or float columns."""
    df = batch if isinstance(batch, pl.DataFrame) else pl.DataFrame(pl.from_arrow(batch))
    ts = df.get_column("ts")
    if isinstance(ts.dtype, pl.Datetime):
        ts = ts.dt.cast_time_unit("ns").to_physical()
    price, volume = df.get_column("price"), df.get_column("volume")
    if ts.null_count():
        raise ValueError("trade columns must not hold nulls")
    ts_ns = ts.cast(pl.Int64).to_numpy()
    price_floats = _floats(price)
    price_units = _units(price, PRICE_DECIMALS, price_floats)
    volume_units = _units(volume, VOLUME_DECIMALS, _floats(volume))
    if len(ts_ns) and (price_units.min() < 0 or volume_units.min() < 0):
        raise ValueError("trade prices and volumes must not be negative")
    if price.dtype.is_decimal() and (not len(ts_ns) or price_units.max() < exact.EXACT_FLOAT):
        # Both operands exact, so the division is the float nearest the decimal, as a parse gives.
        as_float = price_units.astype(np.float64) / 10.0**PRICE_DECIMALS
    else:  # polars rounds a Decimal to float64 correctly (pyarrow's cast does not always)
        as_float = price.cast(pl.Float64).to_numpy() if price_floats is None else price_floats
    return ts_ns, as_float, price_units, volume_units


class TradeAggregator:
    """Feed trade batches in time order; get back the candles each batch closed.

    start_ms says the trades are complete from then on: a bucket opening before it misses earlier
    trades, so it is never emitted. empty="sparse" leaves buckets without trades out (as Kraken's
    dump does); empty="fill" emits them as flat candles at the previous close with volume 0,
    trades 0 and vwap null, and adds a boolean `synthetic` column marking them.
    """

    def __init__(
        self,
        timeframes: Iterable[str],
        *,
        start_ms: int | None = None,
        empty: Literal["sparse", "fill"] = "sparse",
    ):
        self.steps = {tf: millis(tf) for tf in timeframes}
        if not self.steps or empty not in ("sparse", "fill"):
            raise ValueError("need at least one timeframe and empty='sparse' or 'fill'")
        # Trades are reduced once to the finest common bucket; every timeframe is a multiple of it,
        # so coarser candles built from those partials are exact.
        self.base_ms = math.gcd(*self.steps.values())
        self.fill = empty == "fill"
        self.start_ms = start_ms
        self.unfinished: dict[str, pa.Table] = {}
        self._carry: dict[str, dict[str, float]] = {}
        self._last: dict[str, tuple[int, float]] = {}  # last emitted (bucket, close), for fill
        self._last_ns: int | None = None
        self._done = False

    def feed(self, batch: Batch) -> dict[str, pa.Table]:
        if self._done:
            raise RuntimeError("feed after finish")
        ts, price, price_units, volume_units = trade_columns(batch)
        if not len(ts):
            return {tf: self._emit(tf, None, None) for tf in self.steps}
        if (self._last_ns is not None and ts[0] < self._last_ns) or np.any(ts[1:] < ts[:-1]):
            raise ValueError("trades must be fed in time order")
        self._last_ns = int(ts[-1])
        base = bk.reduce_trades(ts, price, price_units, volume_units, self.base_ms)
        out = {}
        for tf, step in self.steps.items():
            rows = base if step == self.base_ms else bk.reduce_sorted(base, base["ts"] // step * step)
            rows = {f: v.copy() for f, v in rows.items()}  # merge_into_first writes in place
            carry = self._carry.get(tf)
            if carry is not None and carry["ts"] == rows["ts"][0]:
                bk.merge_into_first(carry, rows)
            elif carry is not None:
                rows = bk.concat([bk.from_row(carry), rows])
            # The last bucket may still receive trades from the next batch: carry it, emit the rest.
            self._carry[tf] = bk.row(rows, -1)
            out[tf] = self._emit(tf, bk.take(rows, slice(0, -1)), int(rows["ts"][-1]))
        return out

    def finish(self, end_ms: int) -> dict[str, pa.Table]:
        """Emit what closed before end_ms; buckets still open then go to `unfinished`, not out."""
        self._done = True
        out = {}
        for tf, step in self.steps.items():
            carry = self._carry.pop(tf, None)
            closed = None
            if carry is not None and carry["ts"] + step <= end_ms:
                closed = bk.from_row(carry)
            elif carry is not None:
                self.unfinished[tf] = bk.to_table(bk.from_row(carry))
            out[tf] = self._emit(tf, closed, (end_ms // step) * step)
        return out

    def _emit(self, tf: str, rows: dict[str, np.ndarray] | None, limit: int | None) -> pa.Table:
        """Closed rows as a table; in fill mode also every empty bucket before `limit`."""
        if rows is None:
            rows = bk.take(bk.from_row(dict.fromkeys(bk.FIELDS, 0)), slice(0, 0))
        if self.start_ms is not None and len(rows["ts"]) and rows["ts"][0] < self.start_ms:
            head = rows["ts"] < self.start_ms
            # A head bucket is incomplete, but its close is the latest price: gaps after it are flat at it.
            self._last[tf] = (int(rows["ts"][head][-1]), float(rows["close"][head][-1]))
            rows = bk.take(rows, ~head)
        if not self.fill:
            return bk.to_table(rows)
        step = self.steps[tf]
        prev = self._last.get(tf)
        start = prev[0] + step if prev else (int(rows["ts"][0]) if len(rows["ts"]) else None)
        if start is None or limit is None or start >= limit:
            return bk.to_table(rows, np.zeros(len(rows["ts"]), dtype=bool))
        rows, synthetic = bk.fill_gaps(rows, start, limit, step, prev[1] if prev else None)
        self._last[tf] = (int(rows["ts"][-1]), float(rows["close"][-1]))
        return bk.to_table(rows, synthetic)

    def to_saved(self) -> Saved:
        document = {"timeframes": list(self.steps), "start_ms": self.start_ms,
                    "empty": "fill" if self.fill else "sparse", "last_ns": self._last_ns, "done": self._done}
        carry = [{"timeframe": tf, **row} for tf, row in self._carry.items()]
        last = [{"timeframe": tf, "ts": ts, "close": close} for tf, (ts, close) in self._last.items()]
        return Saved(document, {"open_buckets": pa.Table.from_pylist(carry, schema=OPEN_BUCKETS),
                                "last_closes": pa.Table.from_pylist(last, schema=LAST_CLOSES),
                                **{f"unfinished/{tf}": t for tf, t in self.unfinished.items()}})

    @classmethod
    def from_saved(cls, saved: Saved) -> TradeAggregator:
        doc, tables = saved.document, saved.tables
        agg = cls(doc["timeframes"], start_ms=doc["start_ms"], empty=doc["empty"])
        agg._last_ns, agg._done = doc["last_ns"], doc["done"]
        agg._carry = {row.pop("timeframe"): row for row in tables["open_buckets"].to_pylist()}
        agg._last = {row["timeframe"]: (row["ts"], row["close"]) for row in tables["last_closes"].to_pylist()}
        agg.unfinished = {name.removeprefix("unfinished/"): t for name, t in tables.items()
                          if name.startswith("unfinished/")}
        return agg


def aggregate_trades(
    batches: Iterable[Batch], timeframes: Iterable[str], end_ms: int, **kw
) -> dict[str, pa.Table]:
    """All candles closed before end_ms, one table per timeframe (for ranges that fit in memory)."""
    agg = TradeAggregator(timeframes, **kw)
    parts: dict[str, list[pa.Table]] = {tf: [] for tf in agg.steps}
    for batch in batches:
        for tf, t in agg.feed(batch).items():
            parts[tf].append(t)
    for tf, t in agg.finish(end_ms).items():
        parts[tf].append(t)
    return {tf: pa.concat_tables(ts) for tf, ts in parts.items()}
