"""A batch: one request over several markets and timeframes, or over a range longer than a timeframe's
MAX_RANGE_DAYS, split into child jobs that each stay within it. Pure.

Each (symbol, timeframe, piece of the range) is a child fetch job. The trades segments of a symbol's
plans are not rebuilt per timeframe: overlapping ones are grouped into one child trade_rebuild that
builds every timeframe of the group in one pass, so a symbol's trades are paged once."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.lake.timeframes import millis
from shared.planning.planner import Segment
from shared.planning.weight import work_weight

DAY_MS = 86_400_000


@dataclass(frozen=True)
class BatchSpec:
    exchange: str
    symbols: list[str]
    timeframes: list[str]
    start_ms: int
    end_ms: int
    seed_from_zip: bool = True
    full_history: bool = False  # each (symbol, timeframe) starts at its own first known candle


@dataclass(frozen=True)
class ChildPlan:
    """One child of a batch as planned. `key` names its work within the batch: a batch that resumes
    another finds the children it need not run again by it."""

    key: str
    job_type: str  # fetch | trade_rebuild
    symbol: str
    timeframes: tuple[str, ...]  # the first is the job's own; a rebuild builds the others in the same pass
    start_ms: int
    end_ms: int
    calls: int = 0
    rows: int = 0
    seconds: float = 0.0
    # fetch: the parts of its range whose trades one of the batch's rebuilds builds for its timeframe
    trades_covered: tuple[tuple[int, int], ...] = field(default=())

    @property
    def weight(self) -> int:
        """Its share of the batch's progress (shared/planning/weight.py)."""
        return work_weight(self.calls, self.rows)


def pieces(start_ms: int, end_ms: int, timeframe: str, max_days: int | None) -> list[tuple[int, int]]:
    """[start, end) floored to the timeframe's step, cut into pieces of at most max_days, each on a
    candle boundary."""
    step = millis(timeframe)
    lo, hi = start_ms // step * step, end_ms // step * step
    if hi <= lo:
        return []
    if max_days is None:
        return [(lo, hi)]
    length = max(max_days * DAY_MS // step, 1) * step
    return [(a, min(a + length, hi)) for a in range(lo, hi, length)]


def group_trades(spans: list[tuple[str, int, int]]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Trades spans (timeframe, start, end) of one symbol merged where they overlap or touch: one
    rebuild each, over the union, with every timeframe of the group, finest first. A coarser timeframe's
    bucket cut by the union's start is left out by the rebuilder (it misses trades), and each span is
    on its own timeframe's boundaries, so every bucket a span asks for is built whole."""
    groups: list[list] = []
    for tf, lo, hi in sorted(spans, key=lambda s: (s[1], s[2])):
        if groups and lo <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], hi)
            groups[-1][2].add(tf)
        else:
            groups.append([lo, hi, {tf}])
    return [(lo, hi, tuple(sorted(tfs, key=millis))) for lo, hi, tfs in groups]


def uncovered(lo: int, hi: int, covered: list[tuple[int, int]], step: int) -> list[tuple[int, int]]:
    """What of [lo, hi) the covered ranges leave, widened to whole buckets of `step` (a bucket cut by a
    covered range's edge was not built whole there)."""
    parts = [(lo, hi)]
    for a, b in covered:
        parts = [p for x, y in parts for p in ((x, min(y, a)), (max(x, b), y)) if p[0] < p[1]]
    out = [(x // step * step, -(-y // step) * step) for x, y in parts]
    return [(max(x, lo), min(y, hi)) for x, y in out if max(x, lo) < min(y, hi)]


def fetch_child(symbol: str, timeframe: str, lo: int, hi: int, segments: list[Segment],
                rebuilds: list[tuple[int, int, tuple[str, ...]]]) -> ChildPlan:
    """The fetch child of one piece: its own segments' cost but the trades, which the rebuilds carry."""
    own = [s for s in segments if s.kind != "trades"]
    covered = tuple((a, b) for a, b, tfs in rebuilds if timeframe in tfs and a < hi and lo < b)
    return ChildPlan(f"fetch:{symbol}:{timeframe}:{lo}:{hi}", "fetch", symbol, (timeframe,), lo, hi,
                     calls=sum(s.calls for s in own), rows=sum(s.rows for s in own),
                     seconds=round(sum(s.seconds for s in own), 3), trades_covered=covered)


def rebuild_child(symbol: str, lo: int, hi: int, timeframes: tuple[str, ...], calls: int,
                  rate_limit_s: float) -> ChildPlan:
    rows = (hi - lo) // millis(timeframes[0])
    return ChildPlan(f"trades:{symbol}:{lo}:{hi}", "trade_rebuild", symbol, timeframes, lo, hi, calls=calls,
                     rows=rows, seconds=round(calls * rate_limit_s, 1))


def totals(children: list[ChildPlan]) -> dict:
    by_type: dict[str, int] = {}
    for c in children:
        by_type[c.job_type] = by_type.get(c.job_type, 0) + 1
    return {"children": len(children), "by_job_type": by_type, "calls": sum(c.calls for c in children),
            "rows": sum(c.rows for c in children), "seconds": round(sum(c.seconds for c in children), 1)}
