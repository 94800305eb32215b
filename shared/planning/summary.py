"""A plan as JSON for people and clients: each segment with its estimates, and the totals by kind."""

from __future__ import annotations

from shared.lake.timeframes import iso
from shared.planning.planner import Segment


def summarize(segments: list[Segment]) -> dict:
    rows = [{"kind": s.kind, "start_timestamp": iso(s.start_ms), "end_timestamp": iso(s.end_ms),
             "fetch_start_timestamp": iso(s.fetch_start_ms), "fetch_end_timestamp": iso(s.fetch_end_ms),
             "calls": s.calls, "rows": s.rows, "seconds": round(s.seconds, 3), "dump": s.dump, "member": s.member,
             "note": s.note, "trades": s.trades} for s in segments]
    by_kind: dict[str, dict] = {}
    for s in segments:
        k = by_kind.setdefault(s.kind, {"calls": 0, "rows": 0, "seconds": 0.0, "segments": 0})
        k["calls"] += s.calls
        k["rows"] += s.rows
        k["seconds"] = round(k["seconds"] + s.seconds, 3)
        k["segments"] += 1
    totals = {"calls": sum(s.calls for s in segments), "rows": sum(s.rows for s in segments),
              "seconds": round(sum(s.seconds for s in segments), 3), "by_kind": by_kind}
    return {"segments": rows, "totals": totals}


def describe(segments: list[Segment]) -> str:
    """One line for people: the segments and what they cost."""
    if not segments:
        return "nothing to do (the range holds no whole candle)"
    totals = summarize(segments)["totals"]
    return (f"{len(segments)} segment(s) ({', '.join(s.kind for s in segments)}); about"
            f" {totals['calls']} exchange call(s), {totals['seconds']:.0f} s")
