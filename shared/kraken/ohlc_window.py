"""Pure logic of the REST path: what one Kraken OHLC answer gives for a requested range, and what it
cannot give.

Kraken's OHLC endpoint answers with the 720 most recent candles whatever `since` says, the last of
them still open. So one answer holds everything REST can reach; the rest of the range is reported as
not fetched, with the reason, never dropped in silence."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.lake.timeframes import iso, millis

# Kraken has no 2w interval (its 21600 is 15 days): 2w candles are built from epoch-aligned 1w ones.
KRAKEN_INTERVAL = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240, "1d": 1440, "1w": 10080,
                   "2w": 10080}

OLDER_THAN_WINDOW = ("older than Kraken's REST window (the newest 720 candles); "
                     "the OHLCVT dump or a trade rebuild can fill it")
STILL_OPEN = "the candle is still open at Kraken, so it is not final yet"


@dataclass
class Candles:
    """Columns in the writer's order; ts is the open time in ms."""

    ts: list[int] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    close: list[float] = field(default_factory=list)
    volume: list[float] = field(default_factory=list)
    vwap: list[float | None] = field(default_factory=list)
    trades: list[int | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts)

    def append(self, ts: int, o: float, h: float, lo: float, c: float, v: float, vwap, n) -> None:
        for column, value in zip(self.columns(), (ts, o, h, lo, c, v, vwap, n), strict=True):
            column.append(value)

    def columns(self) -> tuple[list, ...]:
        return self.ts, self.open, self.high, self.low, self.close, self.volume, self.vwap, self.trades

    def slice(self, start: int, stop: int) -> Candles:
        return Candles(*(column[start:stop] for column in self.columns()))


@dataclass
class WindowResult:
    candles: Candles
    empty_intervals: int        # flat zero-volume rows: Kraken saw no trades there
    window_start_ms: int | None
    committed_end_ms: int | None  # close time of the last committed candle
    not_fetched: list[dict]


def gap(start_ms: int, end_ms: int, reason: str) -> dict:
    return {"start_timestamp": iso(start_ms), "end_timestamp": iso(end_ms), "reason": reason}


def read_window(rows: list[list], last_s: int, start_ms: int, end_ms: int, interval_min: int) -> WindowResult:
    """Committed, non-empty candles of [start_ms, end_ms) from one OHLC answer.

    Rows are [time_s, o, h, l, c, vwap, volume, count] with prices as strings. Rows after `last` are
    the open candle and are dropped. Flat rows with volume 0 are counted, not stored: the lake is
    sparse, as the dump is."""
    step = interval_min * 60_000
    candles, empty = Candles(), 0
    for time_s, o, h, lo, c, vwap, volume, count in rows:
        ts = int(time_s) * 1000
        if time_s > last_s or not start_ms <= ts < end_ms or ts + step > end_ms:
            continue
        if float(volume) == 0.0:
            empty += 1
            continue
        candles.append(ts, float(o), float(h), float(lo), float(c), float(volume), float(vwap), int(count))
    window_start = int(rows[0][0]) * 1000 if rows else None
    committed_end = (last_s * 1000 + step) if rows else None
    not_fetched = []
    if window_start is None:
        not_fetched.append(gap(start_ms, end_ms, "Kraken returned no candles for this market"))
    else:
        if start_ms < window_start:
            not_fetched.append(gap(start_ms, min(end_ms, window_start), OLDER_THAN_WINDOW))
        tail_from = max(start_ms, committed_end)
        if tail_from < end_ms:
            not_fetched.append(gap(tail_from, end_ms, STILL_OPEN))
    return WindowResult(candles, empty, window_start, committed_end, not_fetched)


def fortnights(weeks: Candles) -> Candles:
    """2w candles from 1w ones. Both are aligned to the epoch, so each 2w bucket holds two whole weeks."""
    step = millis("2w")
    out = Candles()
    i = 0
    while i < len(weeks):
        bucket = weeks.ts[i] // step * step
        j = i
        while j < len(weeks) and weeks.ts[j] // step * step == bucket:
            j += 1
        part = weeks.slice(i, j)
        volume = sum(part.volume)
        pv = sum(v * (w or 0.0) for v, w in zip(part.volume, part.vwap, strict=True))
        out.append(bucket, part.open[0], max(part.high), min(part.low), part.close[-1], volume,
                   pv / volume if volume else None, sum(n or 0 for n in part.trades))
        i = j
    return out
