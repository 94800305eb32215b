"""Kraken-style call budget per client: a counter rises by 1 per call and decays by
`decay` per second; a call that would take it above `burst` is refused with
EAPI:Rate limit exceeded, and still adds `penalty` (Kraken punishes clients that
keep hammering), up to a ceiling of twice the burst."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    burst: float = 15.0
    decay: float = 1.0       # per second
    penalty: float = 0.5     # added by a refused call


DEFAULT_RATE_LIMIT = RateLimit()   # frozen, so safe to share as a default argument


class RateLimiter:
    def __init__(self, config: RateLimit | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or RateLimit()
        self._clock = clock
        self._state: dict[str, tuple[float, float]] = {}   # client -> (counter, at)

    def level(self, client: str) -> float:
        counter, at = self._state.get(client, (0.0, self._clock()))
        return max(0.0, counter - (self._clock() - at) * self.config.decay)

    def allow(self, client: str) -> bool:
        """Count one call of `client`; False when it is over budget."""
        cfg = self.config
        counter = self.level(client)
        allowed = counter + 1.0 <= cfg.burst
        counter = counter + 1.0 if allowed else min(counter + cfg.penalty, 2 * cfg.burst)
        self._state[client] = (counter, self._clock())
        return allowed

    def reset(self) -> None:
        self._state.clear()
