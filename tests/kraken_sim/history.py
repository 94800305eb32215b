"""Candles of the tape, with the caches that make long ranges cheap.

Intervals below one day divide a day, so each complete day is aggregated once
per interval and kept in an LRU. Intervals of a day or more are multiples of a
day (1d, 1w, 15d all align on the epoch), so they are merged from a per-pair
table of day summaries that fills in lazily and is never evicted: 720 weekly
candles cost one pass over the history, later calls only a merge.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .candles import EMPTY, Candles, aggregate, concat, fill, merge
from .pairs import Pair
from .plan import DAY_S
from .tape import Tape

DAY_NS = DAY_S * 1_000_000_000
NS = 1_000_000_000


class _DayTable:
    """Day summaries of one pair, one slot per day of its plan."""

    def __init__(self, n_days: int) -> None:
        self.have = np.zeros(n_days, bool)
        # Columns in Candles' field order; time, units and count are integers.
        dtypes = (np.int64, float, float, float, float, float, np.int64, float, np.int64)
        self.cols = [np.zeros(n_days, dt) for dt in dtypes]


class CandleStore:
    def __init__(self, tape: Tape, cache_entries: int = 512) -> None:
        self.tape = tape
        self._day = lru_cache(maxsize=cache_entries)(self._day_candles)
        self._tables: dict[str, _DayTable] = {}

    def _day_candles(self, pair: Pair, epoch_day: int, interval_min: int) -> Candles:
        day = self.tape.day(pair, epoch_day)
        return aggregate(day.ts_ns, day.price, day.volume, interval_min)

    def _summary(self, pair: Pair, epoch_day: int) -> Candles:
        """The day as one candle (no grouping work needed for a single bucket)."""
        day = self.tape.day(pair, epoch_day)
        if not len(day):
            return EMPTY
        p, v = day.price, day.volume
        return Candles(*(np.array([x]) for x in (
            epoch_day * DAY_S, p[0], p.max(), p.min(), p[-1], float(p @ v),
            int(np.rint(v * 1e8).astype(np.int64).sum()), v.sum(), len(day))))

    def summaries(self, pair: Pair, d0: int, d1: int) -> Candles:
        """Non-empty day candles of the complete epoch days [d0, d1)."""
        plan = self.tape.plan(pair)
        table = self._tables.get(pair.id)
        if table is None:
            table = self._tables[pair.id] = _DayTable(plan.n_days)
        k0 = min(max(d0 - plan.day0, 0), plan.n_days)
        k1 = min(max(d1 - plan.day0, k0), plan.n_days)
        for k in np.flatnonzero(~table.have[k0:k1]) + k0:
            row = self._summary(pair, plan.day0 + int(k))
            if row.n:
                for col, value in zip(table.cols, row, strict=True):
                    col[k] = value[0]
            table.have[k] = True
        sel = np.flatnonzero(table.cols[8][k0:k1] > 0) + k0
        return Candles(*(col[sel] for col in table.cols))

    def candles(self, pair: Pair, interval_min: int, start_s: int, end_s: int,
                now_ns: int | None = None) -> Candles:
        """Non-empty candles with start_s <= time < end_s, from the trades before now_ns.
        start_s must be aligned to the interval."""
        cut_ns = end_s * NS if now_ns is None else min(end_s * NS, now_ns)
        if cut_ns <= start_s * NS:
            return EMPTY
        first_day, last_day = start_s // DAY_S, (cut_ns - 1) // DAY_NS
        complete_until = cut_ns // DAY_NS        # days before this one end before the cut
        parts = []
        if interval_min < 1440:
            for d in range(first_day, last_day + 1):
                if d < complete_until:
                    parts.append(self._day(pair, d, interval_min))
                else:
                    t = self.tape.day(pair, d).cut(0, cut_ns)
                    parts.append(aggregate(t.ts_ns, t.price, t.volume, interval_min))
            return concat(parts).select(start_s, end_s)
        parts.append(self.summaries(pair, first_day, min(complete_until, last_day + 1)))
        if complete_until <= last_day:            # the day being traded right now
            t = self.tape.day(pair, last_day).cut(0, cut_ns)
            parts.append(aggregate(t.ts_ns, t.price, t.volume, 1440))
        return merge(concat(parts), interval_min).select(start_s, end_s)

    def filled(self, pair: Pair, interval_min: int, start_s: int, end_s: int, now_ns: int) -> Candles:
        """Every bucket in [start_s, end_s) from the pair's first bucket on, flat rows
        where nothing traded (at the previous close, or 0 before the first trade)."""
        sec = interval_min * 60
        start = max(start_s // sec * sec, pair.listed_s // sec * sec)
        if end_s <= start:
            return EMPTY
        found = self.candles(pair, interval_min, start, end_s, now_ns)
        prev = self.tape.last_price_before(pair, start * NS)
        return fill(found, start, end_s, interval_min, prev or 0.0)
