"""Pure aggregation of trades into epoch-aligned candles, Kraken's way.

bucket = floor(t_s / (interval * 60)) * interval * 60; open = first price,
close = last, vwap = sum(p * v) / sum(v), volume = sum(v), count = trades.
Volumes are summed as integer 1e-8 units so the result is exact whatever the
order of summation (day summaries re-bucketed into weeks give the same volume
as the raw trades); `volume_f` is the plain float sum, with its float noise,
which is what Kraken's dump files print.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

INTERVALS = (1, 5, 15, 30, 60, 240, 720, 1440, 10080, 21600)


class Candles(NamedTuple):
    time_s: np.ndarray   # int64 bucket open time
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    pv: np.ndarray       # sum of price * volume
    units: np.ndarray    # int64 sum of volume in 1e-8 units (exact)
    volume_f: np.ndarray  # float sum of volume (noisy, for dumps)
    count: np.ndarray    # int64

    @property
    def n(self) -> int:
        return int(self.time_s.size)

    @property
    def volume(self) -> np.ndarray:
        return self.units / 1e8

    @property
    def vwap(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.units > 0, self.pv / np.maximum(self.volume, 1e-300), 0.0)

    def select(self, start_s: int, end_s: int) -> Candles:
        lo, hi = np.searchsorted(self.time_s, [start_s, end_s])
        return Candles(*(a[lo:hi] for a in self))


EMPTY = Candles(np.empty(0, np.int64), *(np.empty(0) for _ in range(4)), np.empty(0),
                np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64))


def _groups(bucket: np.ndarray) -> np.ndarray:
    """Start index of each run of equal (sorted) bucket values."""
    return np.concatenate(([0], np.flatnonzero(bucket[1:] != bucket[:-1]) + 1))


def aggregate(ts_ns: np.ndarray, price: np.ndarray, volume: np.ndarray, interval_min: int) -> Candles:
    """Candles of the non-empty buckets of time-sorted trades."""
    if ts_ns.size == 0:
        return EMPTY
    sec = interval_min * 60
    bucket = (ts_ns // 1_000_000_000) // sec * sec
    starts = _groups(bucket)
    ends = np.append(starts[1:], ts_ns.size)
    units = np.rint(volume * 1e8).astype(np.int64)
    return Candles(
        bucket[starts], price[starts],
        np.maximum.reduceat(price, starts), np.minimum.reduceat(price, starts),
        price[ends - 1], np.add.reduceat(price * volume, starts),
        np.add.reduceat(units, starts), np.add.reduceat(volume, starts), ends - starts,
    )


def merge(c: Candles, interval_min: int) -> Candles:
    """Re-bucket finer candles (e.g. day summaries) into a coarser interval."""
    if c.n == 0:
        return EMPTY
    sec = interval_min * 60
    bucket = c.time_s // sec * sec
    starts = _groups(bucket)
    ends = np.append(starts[1:], c.n)
    return Candles(
        bucket[starts], c.open[starts],
        np.maximum.reduceat(c.high, starts), np.minimum.reduceat(c.low, starts),
        c.close[ends - 1], np.add.reduceat(c.pv, starts), np.add.reduceat(c.units, starts),
        np.add.reduceat(c.volume_f, starts), np.add.reduceat(c.count, starts),
    )


def concat(parts: list[Candles]) -> Candles:
    parts = [p for p in parts if p.n]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    return Candles(*(np.concatenate(cols) for cols in zip(*parts, strict=True)))


def fill(c: Candles, start_s: int, end_s: int, interval_min: int, prev_close: float) -> Candles:
    """Every bucket in [start_s, end_s): empty ones become flat rows at the previous
    close (o = h = l = c, volume 0, count 0), as Kraken's OHLC endpoint returns them."""
    sec = interval_min * 60
    times = np.arange(start_s, end_s, sec, dtype=np.int64)
    n = times.size
    if c.n == 0:
        flat = np.full(n, float(prev_close))
        zero_i = np.zeros(n, np.int64)
        return Candles(times, flat, flat, flat, flat, np.zeros(n), zero_i, np.zeros(n), zero_i)
    idx = np.minimum(np.searchsorted(c.time_s, times), c.n - 1)
    present = c.time_s[idx] == times
    # Index (into times) of the last present bucket at or before each bucket, -1 if none.
    last = np.maximum.accumulate(np.where(present, np.arange(n), -1)) if n else np.empty(0, np.int64)
    flat = np.where(last >= 0, c.close[idx][np.maximum(last, 0)], prev_close)

    def col(values: np.ndarray, empty) -> np.ndarray:
        return np.where(present, values[idx], empty)

    return Candles(times, col(c.open, flat), col(c.high, flat), col(c.low, flat), col(c.close, flat),
                   col(c.pv, 0.0), col(c.units, 0), col(c.volume_f, 0.0), col(c.count, 0))
