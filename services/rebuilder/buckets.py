"""Vectorised building blocks for candle aggregation: partial aggregates are dicts of numpy columns.

A partial aggregate has one row per bucket: ts (bucket open, ms), open, high, low, close (float64, each
one trade's price), trades, and two exact integer sums as limbs (services/rebuilder/exact.py): volume in
1e-8 units (volume_hi/_mid/_lo) and price x volume in 1e-18 units (pv_hi/_mid/_lo, for vwap). Partials
of one bucket from different batches add up exactly, so a candle never depends on where its trades
were split; to_table rounds each total to float64 once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from services.rebuilder import exact
from shared.kraken.constants import NS_PER_MS, PRICE_DECIMALS, VOLUME_DECIMALS
from shared.lake.schema import SCHEMA

SUMS = ("volume", "pv")
LIMBS = ("hi", "mid", "lo")
SUM_FIELDS = tuple(f"{s}_{limb}" for s in SUMS for limb in LIMBS)
FIELDS = ("ts", "open", "high", "low", "close", "trades", *SUM_FIELDS)
COUNTS = ("ts", "trades", *SUM_FIELDS)  # integer fields; the others are float
_SOURCE = pa.array(["trades"])


def _limbs(cols: dict[str, np.ndarray], name: str) -> exact.Limbs:
    return tuple(cols[f"{name}_{limb}"] for limb in LIMBS)


def _put(out: dict[str, np.ndarray], name: str, limbs: exact.Limbs) -> None:
    out.update({f"{name}_{limb}": x for limb, x in zip(LIMBS, limbs, strict=True)})


def reduce_sorted(cols: dict[str, np.ndarray], keys: np.ndarray) -> dict[str, np.ndarray]:
    """Collapse runs of equal keys (keys are sorted): first open, last close, max/min, summed totals.

    Input rows are in time order, so a run's first row holds its open and its last row its close;
    reduceat over run starts needs no sort and no per-row Python.
    """
    starts = np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))
    ends = np.append(starts[1:], len(keys)) - 1
    out = {
        "ts": keys[starts],
        "open": cols["open"][starts],
        "high": np.maximum.reduceat(cols["high"], starts),
        "low": np.minimum.reduceat(cols["low"], starts),
        "close": cols["close"][ends],
        "trades": np.add.reduceat(cols["trades"], starts),
    }
    for name in SUMS:
        _put(out, name, exact.reduce(_limbs(cols, name), starts))
    return out


def reduce_trades(ts_ns: np.ndarray, price: np.ndarray, price_units: np.ndarray, volume_units: np.ndarray,
                  base_ms: int) -> dict[str, np.ndarray]:
    """reduce_sorted for raw trades, without a key per trade: the bucket edges are few, so their
    positions come from a binary search in the sorted times instead of passes over every trade.
    price_units are 1e-PRICE_DECIMALS, volume_units 1e-VOLUME_DECIMALS (both int64)."""
    step = base_ms * NS_PER_MS
    first, last = int(ts_ns[0]) // step, int(ts_ns[-1]) // step
    edges = np.searchsorted(ts_ns, np.arange(first, last + 2, dtype=np.int64) * step)
    used = np.flatnonzero(edges[1:] > edges[:-1])
    starts, ends = edges[used], edges[used + 1] - 1
    out = {
        "ts": (first + used).astype(np.int64) * base_ms,
        "open": price[starts], "high": np.maximum.reduceat(price, starts), "low": np.minimum.reduceat(price, starts),
        "close": price[ends], "trades": (ends - starts + 1).astype(np.int64),
    }
    _put(out, "volume", exact.sum_units(volume_units, starts))
    _put(out, "pv", exact.sum_products(price_units, volume_units, starts))
    return out


def merge_into_first(carry: dict[str, float], rows: dict[str, np.ndarray]) -> None:
    """Fold a carried partial bucket into rows[0], which is the same bucket continued."""
    rows["open"][0] = carry["open"]
    rows["high"][0] = max(carry["high"], rows["high"][0])
    rows["low"][0] = min(carry["low"], rows["low"][0])
    rows["trades"][0] += carry["trades"]
    for name in SUMS:
        exact.add_to_first(_limbs(rows, name), tuple(int(carry[f"{name}_{limb}"]) for limb in LIMBS))


def take(rows: dict[str, np.ndarray], sl: slice | np.ndarray) -> dict[str, np.ndarray]:
    return {f: rows[f][sl] for f in FIELDS}


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {f: np.concatenate([p[f] for p in parts]) for f in FIELDS}


def row(rows: dict[str, np.ndarray], i: int) -> dict[str, float]:
    return {f: rows[f][i].item() for f in FIELDS}


def from_row(r: dict[str, float]) -> dict[str, np.ndarray]:
    return {f: np.array([r[f]], dtype=np.int64 if f in COUNTS else np.float64) for f in FIELDS}


def fill_gaps(rows: dict[str, np.ndarray], start: int, limit: int, step: int, prev_close: float | None):
    """Rows for every bucket in [start, limit): real ones as given, empty ones flat at the last close.

    Returns (rows, synthetic mask). A bucket before any known close cannot be filled, so callers
    start at the first real bucket when no close is known yet.
    """
    grid = np.arange(start, limit, step, dtype=np.int64)
    pos = (rows["ts"] - start) // step
    src = np.full(len(grid), -1)
    src[pos] = np.arange(len(pos))
    # Each empty bucket copies the close of the latest real bucket at or before it.
    last = np.maximum.accumulate(src)
    closes = np.append(rows["close"], np.nan if prev_close is None else prev_close)[last]
    real = src >= 0
    out = {"ts": grid, "trades": np.zeros(len(grid), dtype=np.int64)}
    for f in ("open", "high", "low", "close"):
        out[f] = closes.copy()
    for f in SUM_FIELDS:
        out[f] = np.zeros(len(grid), dtype=np.int64)
    for f in FIELDS:
        out[f][real] = rows[f]
    return out, ~real


def to_table(rows: dict[str, np.ndarray], synthetic: np.ndarray | None = None) -> pa.Table:
    """Final candles in the lake schema, each exact total rounded to float64 here and only here;
    `synthetic` adds the fill-mode marker column."""
    volume_units = _limbs(rows, "volume")
    volume = exact.to_float(volume_units, VOLUME_DECIMALS)
    # vwap = sum(p * v) / sum(v): pv is in 1e-(PRICE + VOLUME) units, volume in 1e-VOLUME.
    vwap = exact.ratio(_limbs(rows, "pv"), volume_units, PRICE_DECIMALS)
    empty = np.isnan(vwap)
    n = len(volume)
    cols = [
        pa.array(rows["ts"], type=pa.int64()).cast(SCHEMA.field("ts").type),
        *(pa.array(rows[f], type=pa.float64()) for f in ("open", "high", "low", "close")),
        pa.array(volume, type=pa.float64()),
        pa.array(vwap, type=pa.float64(), mask=empty),
        pa.array(rows["trades"], type=pa.int64()),
        _SOURCE.take(np.zeros(n, dtype=np.int64)),
    ]
    table = pa.Table.from_arrays(cols, schema=SCHEMA)
    if synthetic is not None:
        table = table.append_column("synthetic", pa.array(synthetic, type=pa.bool_()))
    return table
