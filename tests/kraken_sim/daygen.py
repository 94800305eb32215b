"""Generation of one pair-day of trades (pure numpy, deterministic per seed/pair/day).

Arrivals come in clusters of tens of seconds, hours can be silent, and a few
times a day one aggressive order sweeps the book: hundreds of fills (up to 1600)
within one second, sometimes all inside one millisecond. The price follows a
Brownian bridge between the plan's day-boundary levels, so adjacent days join
up without either being generated first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plan import DAY_S, PairPlan

DAY_NS = DAY_S * 1_000_000_000
SIGMA = 0.02 / np.sqrt(DAY_S)  # intraday diffusion of the log price per sqrt(second)
ETA = 2e-5                     # per-trade noise of the log price
HALF_SPREAD = 5e-6             # buyers lift the ask, sellers hit the bid
SWEEP = 0.003                  # a burst moves the price about this much in its direction


@dataclass(frozen=True, slots=True)
class DayTrades:
    ts_ns: np.ndarray
    price: np.ndarray
    volume: np.ndarray
    buy: np.ndarray
    market: np.ndarray
    trade_id: np.ndarray

    @staticmethod
    def empty() -> DayTrades:
        f, i, b = np.empty(0), np.empty(0, np.int64), np.empty(0, bool)
        return DayTrades(i, f, f, b, b, i)

    def __len__(self) -> int:
        return int(self.ts_ns.size)

    def _slice(self, s: slice) -> DayTrades:
        return DayTrades(self.ts_ns[s], self.price[s], self.volume[s], self.buy[s],
                         self.market[s], self.trade_id[s])

    def cut(self, start_ns: int, end_ns: int) -> DayTrades:
        lo, hi = np.searchsorted(self.ts_ns, [start_ns, end_ns])
        return self._slice(slice(int(lo), int(hi)))

    def head(self, n: int) -> DayTrades:
        return self._slice(slice(0, max(n, 0)))

    def tail(self, n: int) -> DayTrades:
        return self._slice(slice(len(self) - n, None)) if n > 0 else self.head(0)


def _regular_times(rng: np.random.Generator, n: int, off: int, u: np.ndarray) -> np.ndarray:
    """Sorted times (s since the day's start) of the day's ordinary trades."""
    hours = rng.lognormal(0.0, 0.8, 24)
    hours[rng.random(24) < 0.15] = 0.0                 # silent hours
    slots = np.repeat(hours, 12) * rng.standard_exponential(288)   # 5-minute slots
    slots[rng.random(288) < 0.25] = 0.0                # silent stretches of minutes
    slots[: off // 300] = 0.0                          # not listed yet
    if slots.sum() == 0.0:
        slots[-1] = 1.0
    cdf = np.cumsum(slots)
    cdf = np.concatenate(([0.0], cdf / cdf[-1]))
    # Stratified sorted uniforms pushed through the inverse intensity: sorted times.
    return np.interp((np.arange(n) + u) / n, cdf, np.arange(289) * 300.0)


def _burst_times(rng: np.random.Generator, size: int, sec: int) -> np.ndarray:
    """ns times (unsorted) of one sweep inside second `sec`."""
    if rng.random() < 0.35:   # every fill inside one millisecond
        ms = np.full(size, rng.integers(0, 1000))
    else:                     # one second, fills bunched on a few milliseconds
        ms = rng.choice(rng.integers(0, 1000, max(1, size // int(rng.integers(5, 60)))), size)
    return sec * 1_000_000_000 + ms * 1_000_000 + rng.integers(0, 1_000_000, size)


def generate_day(seed: int, plan: PairPlan, k: int) -> DayTrades:
    """Trades of the plan's day k (k = 0 is the listing day)."""
    pair = plan.pair
    rng = np.random.default_rng([seed, pair.key, 2, k])
    off = plan.listed_offset_s if k == 0 else 0
    n_reg = int(plan.n_regular[k])
    times = [(_regular_times(rng, n_reg, off, rng.random(n_reg)) * 1e9).astype(np.int64)]
    sizes = plan.burst_sizes[k]
    sizes = sizes[sizes > 0]
    for size in sizes:
        sec = int(off + rng.random() * (DAY_S - off))
        times.append(_burst_times(rng, int(size), sec))
    burst = np.repeat(np.arange(-1, sizes.size), np.concatenate(([n_reg], sizes)))
    ts = np.concatenate(times)
    order = np.argsort(ts, kind="stable")    # mostly one sorted run: cheap
    ts, burst = ts[order], burst[order]
    n = ts.size
    idx = np.arange(n)
    ts = np.maximum.accumulate(ts - idx) + idx      # strictly increasing, hence unique
    ts = np.minimum(ts, DAY_NS - n + idx)           # and still inside the day

    # One 64-bit draw per trade, cut into fields: size uniform (bits 0-20), side (21),
    # size tail (22), market order (23-31, 40 %), round size (32-39, 30 %), step (40-63).
    bits = rng.bit_generator.random_raw(n)
    u_size = ((bits & 0x1FFFFF) + 0.5) * 2.0**-21
    buy = (bits & (1 << 21)) != 0
    big = (bits & (1 << 22)) != 0
    market = ((bits >> 23) & 511) < 205
    roundish = ((bits >> 32) & 255) < 77
    u_move = ((bits >> 40) + 0.5) * 2.0**-24
    in_burst = burst >= 0
    burst_buy = rng.random(sizes.size) < 0.5
    buy[in_burst] = burst_buy[burst[in_burst]]
    market[in_burst] = True

    # Log price: Laplace steps (variance SIGMA^2 dt + ETA^2), up on buys and down on
    # sells, plus the sweeps' push, bent into a Brownian bridge between the
    # day-boundary levels a0 and a1.
    t_s = ts / 1e9
    dt = np.empty(n)
    dt[:1] = t_s[:1]
    np.subtract(t_s[1:], t_s[:-1], out=dt[1:])
    incr = np.log(u_move) * np.sqrt((SIGMA**2 / 2) * dt + ETA**2 / 2)
    incr = np.where(buy, -incr, incr)
    if sizes.size:
        incr[in_burst] += np.where(buy[in_burst], SWEEP, -SWEEP) / sizes[burst[in_burst]]
    walk = np.cumsum(incr)
    t_last = t_s[-1] if n else 0.0
    walk_end = (walk[-1] if n else 0.0) + rng.standard_normal() * SIGMA * np.sqrt(DAY_S - t_last)
    a0, a1 = plan.anchors[k], plan.anchors[k + 1]
    scale = 10.0 ** pair.pair_decimals
    # In ticks; buyers pay the ask, sellers get the bid.
    log_ticks = walk + t_s * ((a1 - a0 - walk_end) / DAY_S) + (a0 + np.log(scale))
    log_ticks += np.where(buy, HALF_SPREAD, -HALF_SPREAD)
    price = np.maximum(np.rint(np.exp(log_ticks)), 1.0) / scale

    # Sizes: log-Laplace around a median that is larger while the base was cheap.
    median = pair.volume_median * np.sqrt(pair.price_2026 / np.exp(a0))
    units = np.exp(np.log(u_size) * np.where(big, -0.8, 0.8)) * (median * 1e8)
    units[in_burst] /= 3.0
    units = np.where(roundish, np.rint(units * 1e-5) * 1e5, np.rint(units))
    units = np.clip(units, 1000, np.floor(median * 2e11))   # whole units: 8 decimals exactly
    trade_id = plan.first_id[k] + idx
    return DayTrades(ts + (plan.day0 + k) * DAY_NS, price, units / 1e8, buy, market, trade_id)
