"""Per-pair plan: everything about a pair's history that must be known without
generating the trades themselves.

Trade ids must be consecutive across days, so the number of trades of every day
is drawn up front, in one vectorised call for the whole horizon (listing to
2100). The price level at every day boundary is drawn up front too, so a day's
trades can be generated on their own and still join the neighbouring days.
"""

from __future__ import annotations

import numpy as np

from .pairs import Pair

DAY_S = 86_400
HORIZON_S = 4_102_444_800  # 2100-01-01: the tape ends there
REF_S = 1_767_225_600      # 2026-01-01: the long-term trend reaches Pair.price_2026 here
MAX_BURSTS = 4             # per day
# Value-noise layers on the log price: (grid spacing in days, standard deviation).
_NOISE = ((400, 0.35), (60, 0.20), (10, 0.08), (1, 0.025))


class PairPlan:
    def __init__(self, seed: int, pair: Pair) -> None:
        self.pair = pair
        self.day0 = pair.listed_s // DAY_S           # epoch day of the listing
        self.n_days = HORIZON_S // DAY_S - self.day0
        self.listed_offset_s = pair.listed_s - self.day0 * DAY_S
        rng = np.random.default_rng([seed, pair.key, 1])
        k = np.arange(self.n_days)
        # Young markets are thin: activity grows over the first six years.
        ramp = np.clip(((k + 1) / (6 * 365.0)) ** 1.5, 0.02, 1.0)
        # Day-to-day activity wanders (a 7-day moving average of noise).
        z = np.convolve(rng.standard_normal(self.n_days + 6), np.ones(7) / np.sqrt(7), "valid")
        activity = np.exp(0.5 * z - 0.125)
        lam = 0.85 * pair.trades_per_day * ramp * activity
        lam[0] *= (DAY_S - self.listed_offset_s) / DAY_S
        self.n_regular = rng.poisson(lam).astype(np.int64)
        # Bursts: one aggressive order sweeping the book, hundreds of fills at once.
        n_bursts = np.minimum(rng.poisson(0.7 * ramp), MAX_BURSTS)
        sizes = rng.integers(150, 1601, size=(self.n_days, MAX_BURSTS))
        sizes[np.arange(MAX_BURSTS)[None, :] >= n_bursts[:, None]] = 0
        self.burst_sizes = sizes
        self.total = self.n_regular + sizes.sum(axis=1)
        # trade_id of each day's first trade: ids run 1, 2, 3... across the whole history.
        self.first_id = 1 + np.concatenate(([0], np.cumsum(self.total)[:-1]))
        self.anchors = self._anchors(rng)

    def _anchors(self, rng: np.random.Generator) -> np.ndarray:
        """Log price at each day boundary k (k = 0..n_days)."""
        p = self.pair
        k = np.arange(self.n_days + 1, dtype=np.float64)
        t = (self.day0 + k) * DAY_S
        slope = (np.log(p.price_2026) - np.log(p.price_listed)) / (REF_S - p.listed_s)
        trend = np.log(p.price_listed) + slope * (np.minimum(t, REF_S) - p.listed_s)
        noise = np.zeros_like(k)
        for spacing, sd in _NOISE:
            grid = rng.standard_normal(int(self.n_days // spacing) + 2) * sd
            noise += np.interp(k / spacing, np.arange(grid.size), grid)
        # Fade the noise in over a month so the first trades sit at price_listed.
        return trend + noise * np.clip(k / 30.0, 0.0, 1.0)

    def day_index(self, epoch_day: int) -> int | None:
        k = epoch_day - self.day0
        return k if 0 <= k < self.n_days else None
