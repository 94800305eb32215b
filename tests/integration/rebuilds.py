"""Trade rebuilds as the system tests ask for them, and how their candles are compared with Kraken's."""

from __future__ import annotations

import math
from datetime import datetime

from tests.integration.times import iso

# The timeframes a rebuild request below builds, in minutes.
MINUTES = {"1m": 1, "5m": 5, "15m": 15, "1h": 60}


def rebuild_request(start: datetime, end: datetime, symbol: str = "BTC/USD", **options) -> dict:
    """A confirmed trade rebuild of every timeframe in MINUTES; `options` add to or replace its options."""
    return {"job_type": "trade_rebuild", "exchange": "kraken", "symbol": symbol, "timeframe": "1m",
            "start_timestamp": iso(start), "end_timestamp": iso(end),
            "options": {"timeframes": ["5m", "15m", "1h"], "confirm": True} | options}


def rebuilt(rows: list[dict], start: datetime, end: datetime) -> list[tuple]:
    return [(int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"], r["vwap"],
             r["trades"]) for r in rows
            if r["source"] == "trades" and start.timestamp() <= r["ts"].timestamp() < end.timestamp()]


def close_enough(got: list[tuple], want: list[tuple]) -> bool:
    """Times, prices and counts exactly; volume to 1e-12 relative (a sum of floats); vwap as Kraken
    prints it, rounded to the pair's price decimals."""
    assert [g[:5] + g[7:] for g in got] == [w[:5] + w[7:] for w in want]
    for g, w in zip(got, want, strict=True):
        decimals = len(repr(w[6]).split(".")[1]) if "." in repr(w[6]) else 0
        assert math.isclose(g[5], w[5], rel_tol=1e-12), (g, w)
        assert abs(g[6] - w[6]) <= 0.5 * 10 ** -decimals + 1e-9 * abs(w[6]), (g, w)
    return True
