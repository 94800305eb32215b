"""How long a job has left, from its progress so far: the rate over the last minute of samples (a job
speeds up and slows down by segment), so the estimate follows what the job does now."""

from __future__ import annotations

from collections import deque

WINDOW_S = 60.0


class Eta:
    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self.samples: deque[tuple[float, float]] = deque()

    def update(self, now: float, fraction: float) -> None:
        self.samples.append((now, fraction))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.window_s:
            self.samples.popleft()

    def remaining(self) -> float | None:
        """Seconds to the end at the recent rate; None until the job has moved."""
        if not self.samples:
            return None
        (t0, f0), (t1, f1) = self.samples[0], self.samples[-1]
        if f1 >= 1:
            return 0.0
        if f1 <= f0 or t1 <= t0:
            return None
        return (1 - f1) * (t1 - t0) / (f1 - f0)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
