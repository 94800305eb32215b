"""How much of a job's progress a piece of planned work is: the one rule for a batch's children and a
planned fetch's segments. Pure."""

from __future__ import annotations

# Kraken calls take the time (one per rate-limit interval); this many candles written weigh as much
# as one call (staging and merging a dump's year is quick, but not free), and every piece counts.
ROWS_PER_CALL = 100_000


def work_weight(calls: int, rows: int) -> int:
    return 1 + calls + rows // ROWS_PER_CALL


# The fetch share of a segment's progress; the rest is the writer catching up.
FETCH_SHARE = 0.95


def fetched_share(segments: list[dict], passed: int) -> float:
    """A planned fetch's progress once the fetcher has passed `passed` of its segments (as
    shared/planning/summary.py gives them), before anything is written: its trades segments count
    nothing yet, for their child rebuilds do that work later."""
    weights = [work_weight(s["calls"], s["rows"]) for s in segments]
    done = sum(w for s, w in list(zip(segments, weights, strict=True))[:passed] if s["kind"] != "trades")
    return FETCH_SHARE * done / sum(weights) if weights else 0.0
