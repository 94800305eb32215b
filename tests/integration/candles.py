"""The simulator's candles and the lake's rows as tuples of one shape, so a test compares them with ==."""

from __future__ import annotations

from datetime import datetime


def truth(sim, symbol: str, interval_min: int, start: datetime, end: datetime) -> list[tuple]:
    """The simulator's committed candles with trades in them, as the lake stores them."""
    rows = sim.committed_ohlc(symbol, interval_min, int(start.timestamp()), int(end.timestamp()))
    return [(int(r[0]) * 1000, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[6]), float(r[5]),
             int(r[7])) for r in rows if float(r[6]) > 0 and start.timestamp() <= int(r[0]) < end.timestamp()]


def stored(rows: list[dict]) -> list[tuple]:
    return [(int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"], r["vwap"],
             r["trades"]) for r in rows]
