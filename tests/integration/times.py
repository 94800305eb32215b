"""The simulated clock the system tests share, and the API's time format."""

from __future__ import annotations

from datetime import datetime

SIM_NOW = "2026-11-20T12:00:00Z"
NOW = datetime.fromisoformat(SIM_NOW.replace("Z", "+00:00"))
# The simulator's dumps end at the start of the quarter its clock is in.
CUTOFF = datetime.fromisoformat("2026-10-01T00:00:00+00:00")


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def ns(dt: datetime) -> int:
    return int(dt.timestamp() * 1e9)
