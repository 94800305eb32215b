"""Deterministic trade tape: one day of trades per pair is generated on demand from
(seed, pair, day) and kept in an LRU, so decades of history cost nothing until
asked for.

Timestamps are integer nanoseconds, strictly increasing within a pair, so a
nanosecond cursor pages exactly even through bursts of more than 1000 trades in
one millisecond. Prices and volumes are rounded to the pair's decimals by
integer division, so their string forms round-trip to the same floats.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .candles import Candles, aggregate
from .daygen import DayTrades, generate_day
from .pairs import Catalogue, Pair
from .plan import DAY_S, PairPlan

DAY_NS = DAY_S * 1_000_000_000


class Trades(NamedTuple):
    ts_ns: np.ndarray      # int64 nanoseconds
    price: np.ndarray      # float64
    volume: np.ndarray     # float64
    side: np.ndarray       # "b" | "s"
    ordertype: np.ndarray  # "m" | "l"
    trade_id: np.ndarray   # int64, consecutive per pair

    @property
    def n(self) -> int:
        """Number of trades (len() is the number of fields, as for any tuple)."""
        return int(self.ts_ns.size)


def _public(parts: list[DayTrades]) -> Trades:
    if not parts:
        parts = [DayTrades.empty()]
    buy = np.concatenate([p.buy for p in parts])
    market = np.concatenate([p.market for p in parts])
    return Trades(
        np.concatenate([p.ts_ns for p in parts]),
        np.concatenate([p.price for p in parts]),
        np.concatenate([p.volume for p in parts]),
        np.where(buy, "b", "s"),
        np.where(market, "m", "l"),
        np.concatenate([p.trade_id for p in parts]),
    )


class Tape:
    def __init__(self, seed: int, catalogue: Catalogue | None = None, cache_days: int = 256) -> None:
        self.seed = seed
        self.catalogue = catalogue or Catalogue()
        self._plans: dict[str, PairPlan] = {}
        self.day = lru_cache(maxsize=cache_days)(self._make_day)

    def plan(self, pair: Pair) -> PairPlan:
        plan = self._plans.get(pair.id)
        if plan is None:
            plan = self._plans[pair.id] = PairPlan(self.seed, pair)
        return plan

    def _make_day(self, pair: Pair, epoch_day: int) -> DayTrades:
        """All trades of one UTC day (epoch day number); empty outside the pair's life."""
        plan = self.plan(pair)
        k = plan.day_index(epoch_day)
        if k is None:
            return DayTrades.empty()
        return generate_day(self.seed, plan, k)

    def days(self, pair: Pair, start_ns: int, end_ns: int):
        """Yield (epoch_day, DayTrades cut to [start_ns, end_ns)) in time order."""
        start_ns = max(start_ns, pair.listed_s * 1_000_000_000)
        if end_ns <= start_ns:
            return
        for d in range(start_ns // DAY_NS, (end_ns - 1) // DAY_NS + 1):
            day = self.day(pair, d)
            lo, hi = d * DAY_NS, (d + 1) * DAY_NS
            if start_ns > lo or end_ns < hi:
                day = day.cut(start_ns, end_ns)
            yield d, day

    def trades_between(self, pair: Pair | str, start_ns: int, end_ns: int) -> Trades:
        """Every trade with start_ns <= ts_ns < end_ns."""
        pair = self.catalogue[pair]
        return _public([day for _, day in self.days(pair, start_ns, end_ns)])

    def candles(self, pair: Pair | str, interval_min: int, start_ns: int, end_ns: int) -> Candles:
        """Non-empty candles of the trades in [start_ns, end_ns) (see candles.aggregate)."""
        t = self.trades_between(pair, start_ns, end_ns)
        return aggregate(t.ts_ns, t.price, t.volume, interval_min)

    def after(self, pair: Pair, since_ns: int, end_ns: int, limit: int) -> Trades:
        """The first `limit` trades with since_ns < ts_ns < end_ns (Trades paging)."""
        parts, n = [], 0
        for _, day in self.days(pair, since_ns + 1, end_ns):
            if n + len(day) >= limit:
                parts.append(day.head(limit - n))
                break
            parts.append(day)
            n += len(day)
        return _public(parts)

    def before(self, pair: Pair, end_ns: int, limit: int) -> Trades:
        """The last `limit` trades with ts_ns < end_ns (Trades without `since`)."""
        parts, n = [], 0
        first_day = pair.listed_s // DAY_S
        for d in range((end_ns - 1) // DAY_NS, first_day - 1, -1):
            day = self.day(pair, d).cut(d * DAY_NS, end_ns)
            if n + len(day) >= limit:
                parts.append(day.tail(limit - n))
                break
            parts.append(day)
            n += len(day)
        return _public(parts[::-1])

    def last_price_before(self, pair: Pair, end_ns: int) -> float | None:
        """Price of the last trade before end_ns, None if the pair had none yet."""
        last = self.before(pair, end_ns, 1)
        return float(last.price[0]) if last.n else None
