"""A batch parent's view, from what its log says of its children (README, "Batch requests"). Pure.

tracking["batch"] holds the children as planned (children.planned), tracking["children"] each completed
one's result, tracking["ended"] the status of each that failed or was cancelled, and
tracking["child_progress"] the latest status and progress each one told (child.progress)."""

from __future__ import annotations

from typing import Any

from shared.jobs.lifecycle import COMPLETED, QUEUED

# Until coverage completes the batch, its progress stays below 1 however far its children are.
BELOW_DONE = 0.99


def _state(tracking: dict, child: dict) -> tuple[str, float]:
    cid = child["id"]
    if child.get("done_by") or (tracking.get("children") or {}).get(cid) is not None:
        return COMPLETED, 1.0
    if cid in (tracking.get("ended") or {}):
        return tracking["ended"][cid], 1.0
    status, progress = (tracking.get("child_progress") or {}).get(cid, [QUEUED, 0.0])
    return status, progress


def batch_progress(tracking: dict) -> float:
    """Each child's progress weighted by its share (its estimated Kraken calls, and one)."""
    children = tracking["batch"]
    total = sum(c["weight"] for c in children)
    done = sum(c["weight"] * _state(tracking, c)[1] for c in children)
    return min(BELOW_DONE, done / total) if total else 0.0


def batch_reached(tracking: dict) -> str:
    """How far a batch has got, for its job.progress: the latest end of a child that completed, or the start."""
    children = tracking["batch"]
    done = [c["end_timestamp"] for c in children if _state(tracking, c)[0] == COMPLETED]
    return max(done) if done else min(c["start_timestamp"] for c in children)


def batch_children(tracking: dict) -> list[dict[str, Any]]:
    """Every child with what it covers, its status and progress, and its rows once completed."""
    results = tracking.get("children") or {}
    out = []
    for child in tracking["batch"]:
        status, progress = _state(tracking, child)
        result = results.get(child["id"]) or {}
        out.append({"id": child["id"], "job_type": child["job_type"], "symbol": child["symbol"],
                    "timeframes": child["timeframes"], "start_timestamp": child["start_timestamp"],
                    "end_timestamp": child["end_timestamp"], "status": status, "progress": round(progress, 4),
                    "rows": result.get("rows", 0), "done_by": child.get("done_by")})
    return out


def batch_failure(tracking: dict) -> str | None:
    """Once every child to run has ended: None if all completed, else which did not."""
    states = [(c, _state(tracking, c)[0]) for c in tracking["batch"] if not c.get("done_by")]
    settled = all(c["id"] in (tracking.get("ended") or {}) or s == COMPLETED for c, s in states)
    failed = [(c, s) for c, s in states if s != COMPLETED]
    if not settled or not failed:
        return None
    named = ", ".join(f"{c['job_type']} {c['symbol']} {'/'.join(c['timeframes'])} {c['start_timestamp']}: {s}"
                      for c, s in failed[:5])
    return (f"{len(failed)} of {len(states)} child job(s) did not complete ({named}); resume the batch to run"
            " only those")
