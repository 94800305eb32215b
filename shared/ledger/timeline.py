"""A coverage row's ledger, summarised for display: a bounded number of segments from its first to its
last stored candle, whatever the history.

PostgreSQL does the heavy part (store.timeline_groups): an interval at least one slot long (a slot is
the row's span divided by the row's slot count) is a segment of its own, and the shorter ones are summed
per slot, never across a long one. Long intervals cannot overlap, so there are at most `slots` of them;
with the small groups and the holes between them a row has at most about 3 x slots segments. Here the
groups become segments: a group of several stretches is shown in its dominant state, with the number of
stretches merged and each state's share of its time."""

from __future__ import annotations

from dataclasses import dataclass, field

# Segments for all the rows of one answer together; each row gets its share, within these bounds.
SEGMENT_BUDGET = 1500
MIN_SLOTS, MAX_SLOTS = 6, 150


def slots_per_row(rows: int) -> int:
    return max(MIN_SLOTS, min(MAX_SLOTS, SEGMENT_BUDGET // max(rows, 1)))


@dataclass(frozen=True)
class Group:
    """One (state, source) part of a group of ledger intervals, as the SQL sums it."""

    key: tuple[int, int]  # (long intervals up to here, slot): the group's identity within its row
    start_ms: int
    end_ms: int
    state: str
    source: str | None
    provisional: bool
    stretches: int
    held_ms: int  # the time its intervals cover (a group may hold holes)


@dataclass
class Segment:
    start_ms: int
    end_ms: int
    state: str
    source: str | None
    provisional: bool = False
    stretches: int = 1  # ledger intervals (and holes) shown as this one segment
    shares: dict[str, float] = field(default_factory=dict)  # merged only: "state" or "state:source" -> share

    @property
    def merged(self) -> bool:
        return self.stretches > 1


def _label(state: str, source: str | None) -> str:
    return f"{state}:{source}" if source else state


def _segment(parts: list[Group]) -> Segment:
    start, end = min(p.start_ms for p in parts), max(p.end_ms for p in parts)
    main = max(parts, key=lambda p: p.held_ms)
    stretches = sum(p.stretches for p in parts)
    if stretches == 1:
        return Segment(start, end, main.state, main.source, main.provisional)
    span = max(end - start, 1)
    shares: dict[str, float] = {}
    for p in parts:
        shares[_label(p.state, p.source)] = shares.get(_label(p.state, p.source), 0) + p.held_ms / span
    missing = 1 - sum(shares.values())
    if missing > 1e-9:  # holes between the merged stretches
        shares["missing"] = missing
        stretches += 1
    return Segment(start, end, main.state, main.source, any(p.provisional for p in parts), stretches,
                   {k: round(v, 4) for k, v in sorted(shares.items(), key=lambda kv: -kv[1])})


def compose(groups: list[Group], start_ms: int, end_ms: int) -> list[Segment]:
    """The segments of one row from its groups (in any order), holes shown as `missing`."""
    by_key: dict[tuple[int, int], list[Group]] = {}
    for g in groups:
        by_key.setdefault(g.key, []).append(g)
    segments = sorted((_segment(parts) for parts in by_key.values()), key=lambda s: s.start_ms)
    out: list[Segment] = []
    cursor = start_ms
    for seg in segments:
        seg.start_ms, seg.end_ms = max(seg.start_ms, cursor), min(seg.end_ms, end_ms)
        if seg.start_ms >= seg.end_ms:
            continue
        if seg.start_ms > cursor:
            out.append(Segment(cursor, seg.start_ms, "missing", None))
        out.append(seg)
        cursor = seg.end_ms
    if cursor < end_ms:
        out.append(Segment(cursor, end_ms, "missing", None))
    return out
