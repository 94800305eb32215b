"""A planned fetch's progress, from its plan and what its log says so far (README, "Job progress"). Pure.

Each segment of the plan weighs its planned calls and rows (shared/planning/weight.py). A dump, REST or
covered segment is fetched once the fetcher has passed it (tracking["segments_done"]) and done once the
writer has written its batches; a trades segment moves with its child rebuild's own progress
(tracking["child_progress"], "children", "ended"). Until coverage completes the job it stays below 1."""

from __future__ import annotations

from services.coverage.batch_view import BELOW_DONE
from shared.jobs.lifecycle import COMPLETED, QUEUED
from shared.planning.weight import FETCH_SHARE, work_weight


def child_states(tracking: dict) -> dict[str, tuple[str, float]]:
    """Each child rebuild heard of so far: its status and progress, (completed, 1) once its result came."""
    told, ended = tracking.get("children") or {}, tracking.get("ended") or {}
    moving = tracking.get("child_progress") or {}
    out = {c: (status, progress) for c, (status, progress) in moving.items()}
    out |= {c: (QUEUED, 0.0) for c in told if c not in out}
    out |= {c: (status, 1.0) for c, status in ended.items()}
    return out | {c: (COMPLETED, 1.0) for c, result in told.items() if result is not None}


def _child_share(tracking: dict, trades_segments: int) -> float:
    """The trades segments' progress: their child rebuilds' mean, each 1 once it has ended."""
    told, states = tracking.get("children") or {}, child_states(tracking)
    if "expected" in tracking and not told:
        return 1.0  # the fetcher is done and spawned no child: nothing left to rebuild
    done = sum(progress for _, progress in states.values())
    # Once the fetcher is done it has named every child; before, each trades segment has one to come.
    return done / (len(told) if "expected" in tracking else max(trades_segments, len(states)))


def _own_share(tracking: dict, index: int) -> float:
    """A dump, REST or covered segment: fetched once passed, then as far as the writer has got."""
    expected = tracking.get("expected")
    if expected is not None:
        written = tracking.get("written") or {}
        return FETCH_SHARE + (1 - FETCH_SHARE) * (sum(b in written for b in expected) / len(expected) if expected else 1)
    return FETCH_SHARE if index < tracking.get("segments_done", 0) else 0.0


def plan_progress(tracking: dict) -> float | None:
    """None for a job without a planned segment (a rebuild, a batch, a plan with nothing to do)."""
    segments = (tracking.get("plan") or {}).get("segments") or []
    if not segments or "batch" in tracking:
        return None
    trades = sum(s["kind"] == "trades" for s in segments)
    weights = [work_weight(s["calls"], s["rows"]) for s in segments]
    children = _child_share(tracking, trades) if trades else 1.0
    done = sum(w * (children if s["kind"] == "trades" else _own_share(tracking, i))
               for i, (s, w) in enumerate(zip(segments, weights, strict=True)))
    return min(BELOW_DONE, done / sum(weights))
