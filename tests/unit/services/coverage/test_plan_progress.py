"""A planned fetch's progress weighs its segments by the plan and waits for its child rebuild."""

from __future__ import annotations

import uuid

from services.coverage.job_view import writes_done
from shared.jobs.events.payloads import (
    BatchWritten,
    ChildEnded,
    ChildProgress,
    JobCancelled,
    JobFetched,
    JobPlanned,
    JobProgress,
)
from shared.jobs.events.results import JobResult
from shared.planning.weight import fetched_share
from tests.unit.services.coverage.folding import QUEUED, STARTED, ev, fold

CHILD = uuid.uuid4()
# The trial's shape: a quick dump, a long trades stretch for a child rebuild, and one REST call.
SEGMENTS = [{"kind": "zip", "calls": 0, "rows": 90_000}, {"kind": "trades", "calls": 150, "rows": 1_000},
            {"kind": "rest", "calls": 1, "rows": 720}]


def planned() -> JobPlanned:
    return JobPlanned(segments=SEGMENTS, totals={}, segments_raw=[])


def passed(i: int) -> JobProgress:
    return JobProgress(progress=fetched_share(SEGMENTS, i), last_timestamp="2026-01-01T00:00:00Z",
                       segment=SEGMENTS[i - 1]["kind"], segments_done=i)


def written(batch: str) -> BatchWritten:
    return BatchWritten(batch_id=batch, rows=1, source="rest", timeframe="1m", partitions=[])


def fetched_and_written(child_progress: float) -> list:
    return [ev(1, QUEUED), ev(2, STARTED), ev(3, planned()), ev(4, passed(1)), ev(5, passed(2)), ev(6, passed(3)),
            ev(7, JobFetched(batch_ids=["zip", "rest"], exchange_calls=1, children=[str(CHILD)])),
            ev(8, written("zip")), ev(9, written("rest")),
            ev(10, ChildProgress(child_id=CHILD, status="running", progress=child_progress))]


def test_the_fetcher_passing_every_segment_is_far_from_done_while_the_trades_are_still_to_rebuild():
    view = fold(*fetched_and_written(0.0)[:6])
    assert view.progress < 0.05  # the dump and the REST call only: the trades weigh 150 calls
    assert fetched_share(SEGMENTS, 3) == view.progress


def test_the_parent_moves_with_its_child_and_is_never_done_before_it():
    half, most = fold(*fetched_and_written(0.5)), fold(*fetched_and_written(0.9))
    assert 0.45 < half.progress < 0.55 and half.progress < most.progress < 0.95
    assert not writes_done(most)
    assert most.result["children"] == [{"id": str(CHILD), "status": "running", "progress": 0.9}]


def test_a_cancelled_parent_lists_its_child_as_it_ended():
    events = fetched_and_written(0.3) + [ev(11, JobCancelled())]
    view = fold(*events, ev(12, ChildEnded(child_id=CHILD, status="cancelled", result=JobResult())))
    assert view.status == "cancelled"
    assert view.result["children"] == [{"id": str(CHILD), "status": "cancelled", "progress": 1.0}]
