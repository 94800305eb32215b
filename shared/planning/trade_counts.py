"""A range's trade count read from Kraken's own OHLC rows, which carry the trades of each candle. Pure.

One OHLC answer is the newest 720 candles of its interval: 1h reaches 30 days back, 1d about two years,
1w about 13.8 years, and 15 days (21600 minutes) about 29.6 years, so all of Kraken's history. Each part
of a range is read from the finest interval that reaches it; a bucket cut by the range's edge counts in
proportion to its overlap. Where one interval hands over to the next finer one the seam is moved to a
bucket boundary of the coarser, so only the 15-day/1-week seam splits a bucket inside the range.

What a rebuild then costs follows: Kraken's Trades answers 1,000 trades a call, and paging stops at the
first page that reaches the end (or comes back short), so n trades take n // 1000 + 1 calls."""

from __future__ import annotations

from dataclasses import dataclass

from shared.kraken.constants import OHLC_WINDOW, TRADES_PAGE

COUNT_MINUTES = (60, 1440, 10080, 21600)  # finest first


def trades_calls(trades: int) -> int:
    return trades // TRADES_PAGE + 1


def ceil_to(ms: int, step_ms: int) -> int:
    return -(-ms // step_ms) * step_ms


@dataclass(frozen=True)
class CountWindow:
    """One OHLC answer's counts: committed buckets from first_ms on, then the bucket still open, whose
    trades so far ran up to as_of_ms (Kraken's clock when it was asked)."""

    interval_min: int
    first_ms: int
    counts: tuple[int, ...]
    forming_count: int
    as_of_ms: int
    reaches_listing: bool  # fewer rows than a full answer: nothing traded before first_ms

    @property
    def step_ms(self) -> int:
        return self.interval_min * 60_000

    @property
    def committed_end_ms(self) -> int:
        return self.first_ms + len(self.counts) * self.step_ms

    @classmethod
    def of_rows(cls, interval_min: int, ts_ms: list[int], trades: list[int], last_ms: int,
                as_of_ms: int) -> CountWindow:
        """From an answer's rows (open time, count) and `last`, the open time of its newest committed row."""
        committed = [n or 0 for t, n in zip(ts_ms, trades, strict=True) if t <= last_ms]
        forming = sum(n or 0 for t, n in zip(ts_ms, trades, strict=True) if t > last_ms)
        first = ts_ms[0] if ts_ms else last_ms + interval_min * 60_000
        return cls(interval_min, first, tuple(committed), forming, max(as_of_ms, first),
                   len(ts_ms) < OHLC_WINDOW)

    def count(self, lo: int, hi: int) -> float:
        """Trades in [lo, hi): whole buckets exactly, the edge ones in proportion; past the committed
        buckets at the open bucket's rate so far."""
        step, first, n = self.step_ms, self.first_ms, len(self.counts)
        lo, total = max(lo, first), 0.0
        if hi <= lo:
            return 0.0
        i0, i1 = (lo - first) // step, min(-(-(hi - first) // step), n)
        for i in range(i0, i1):
            b = first + i * step
            total += self.counts[i] * (min(hi, b + step) - max(lo, b)) / step
        end = self.committed_end_ms
        if hi > end:
            total += self.open_rate() * (hi - max(lo, end))
        return total

    def open_rate(self) -> float:
        """Trades per ms of the open bucket. Just after it opened its own count says little, so the last
        committed bucket is taken with it."""
        elapsed = self.as_of_ms - self.committed_end_ms
        last = self.counts[-1] if self.counts else 0
        if elapsed >= self.step_ms // 4 or not self.counts:
            return self.forming_count / max(elapsed, 1)
        return (self.forming_count + last) / (elapsed + self.step_ms)


def parts(windows: list[CountWindow], lo: int, hi: int) -> list[tuple[int, int, CountWindow]]:
    """[lo, hi) cut into the parts each window reads, finest first: each window from where it reaches
    (moved up to the next coarser window's bucket boundary) to where the finer one took over."""
    out, upper = [], hi
    for k, window in enumerate(windows):
        if upper <= lo:
            break
        coarser = windows[k + 1] if k + 1 < len(windows) else None
        if coarser is None or window.reaches_listing:
            start = lo  # the coarsest reaches everything, and nothing traded before a listing
        else:
            start = max(lo, ceil_to(window.first_ms, coarser.step_ms))
        if start < upper:
            out.append((start, upper, window))
            upper = start
        if window.reaches_listing:
            break
    return out


@dataclass(frozen=True)
class TradeCounts:
    """The counts of one market, from windows finest first."""

    windows: tuple[CountWindow, ...]

    def trades(self, lo: int, hi: int) -> int:
        return round(sum(w.count(a, b) for a, b, w in parts(list(self.windows), lo, hi)))

    def intervals(self, lo: int, hi: int) -> list[int]:
        """The intervals (minutes) the count of [lo, hi) is read from, finest first."""
        return [w.interval_min for _, _, w in parts(list(self.windows), lo, hi)]
