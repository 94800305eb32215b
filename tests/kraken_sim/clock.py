"""Simulated wall clock. Only trades before `now` exist, so the clock decides what
the API can show: a fixed instant (reproducible tests), the real time, or an
accelerated time that runs `speed` times faster than real time from a start."""

from __future__ import annotations

import time

from .kfmt import parse_when

NS = 1_000_000_000


class Clock:
    def __init__(self, now: str | float | None = "2026-11-20T12:00:00Z", speed: float | None = None) -> None:
        """now: ISO string or epoch seconds (fixed, or the start when speed is set),
        "real" or None for the real time. speed: simulated seconds per real second."""
        self.speed = speed
        self._real = now is None or now == "real"
        self._start_ns = time.time_ns() if self._real else int(round(parse_when(now) * NS))
        self._mono0 = time.monotonic_ns()

    @property
    def mode(self) -> str:
        if self.speed is not None:
            return f"x{self.speed:g}"
        return "real" if self._real else "fixed"

    def now_ns(self) -> int:
        if self.speed is not None:
            elapsed = time.monotonic_ns() - self._mono0
            return self._start_ns + int(elapsed * self.speed)
        if self._real:
            return time.time_ns()
        return self._start_ns

    def now_s(self) -> float:
        return self.now_ns() / NS

    def set(self, now: str | float) -> None:
        """Jump to `now` (the clock keeps its mode: fixed stays fixed, fast keeps running)."""
        self._real = False
        self._start_ns = int(round(parse_when(now) * NS))
        self._mono0 = time.monotonic_ns()

    def advance(self, seconds: float) -> None:
        self.set(self.now_ns() / NS + seconds)
