"""A batch parent's view: progress weighted by its children's, each child listed with its status, done
once every child completed, failed (with the ones that did not) once every child has ended."""

from __future__ import annotations

import uuid

from services.coverage.job_view import failed_batch, writes_done
from shared.jobs.events.payloads import (
    BatchChild,
    ChildCompleted,
    ChildEnded,
    ChildProgress,
    ChildrenPlanned,
    JobFetched,
)
from shared.jobs.events.results import JobResult
from tests.unit.services.coverage.folding import QUEUED, STARTED, ev, fold

FETCH, REBUILD, EARLIER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def child(cid: uuid.UUID, job_type: str, weight: int, done_by: uuid.UUID | None = None) -> BatchChild:
    return BatchChild(id=cid, key=f"{job_type}:{cid}", job_type=job_type, symbol="BTC/USD", timeframes=["1m", "5m"],
                      start_timestamp="2026-01-01T00:00:00Z", end_timestamp="2026-01-02T00:00:00Z", calls=weight - 1,
                      rows=10, seconds=1.0, weight=weight, done_by=done_by)


PLANNED = ChildrenPlanned(children=[child(FETCH, "fetch", 1), child(REBUILD, "trade_rebuild", 3),
                                 child(uuid.uuid4(), "fetch", 4, done_by=EARLIER)], totals={"children": 3})
SPAWNED = JobFetched(batch_ids=[], children=[str(FETCH), str(REBUILD)], exchange_calls=1)


def test_progress_is_weighted_by_the_children_and_each_is_listed_with_its_status():
    view = fold(ev(1, QUEUED), ev(2, STARTED), ev(3, PLANNED), ev(4, SPAWNED),
                ev(5, ChildProgress(child_id=REBUILD, status="running", progress=0.5)))
    assert view.status == "running" and abs(view.progress - (0 * 1 + 0.5 * 3 + 1 * 4) / 8) < 1e-9
    statuses = {c["id"]: c["status"] for c in view.result["children"]}
    assert statuses[str(FETCH)] == "queued" and statuses[str(REBUILD)] == "running"
    assert [c["done_by"] for c in view.result["children"]][2] == str(EARLIER)  # run before: not again
    assert not writes_done(view) and failed_batch(view) is None


def test_a_batch_is_done_once_every_child_to_run_completed():
    view = fold(ev(1, QUEUED), ev(2, PLANNED), ev(3, SPAWNED),
                ev(4, ChildCompleted(child_id=FETCH, status="completed", result=JobResult(rows=5))),
                ev(5, ChildCompleted(child_id=REBUILD, status="completed", result=JobResult(rows=7))))
    assert writes_done(view) and failed_batch(view) is None
    assert view.result["rows"] == 12 and view.progress < 1  # coverage completes it
    assert {c["status"] for c in view.result["children"]} == {"completed"}


def test_a_child_that_did_not_complete_fails_the_batch_only_once_the_others_have_ended():
    ended = ChildEnded(child_id=REBUILD, status="cancelled", result=JobResult())
    view = fold(ev(1, QUEUED), ev(2, PLANNED), ev(3, SPAWNED), ev(4, ended))
    assert view.status == "running" and failed_batch(view) is None  # the fetch child still runs
    view = fold(ev(1, QUEUED), ev(2, PLANNED), ev(3, SPAWNED), ev(4, ended),
                ev(5, ChildCompleted(child_id=FETCH, status="completed", result=JobResult())))
    why = failed_batch(view)
    assert why is not None and why.startswith("1 of 2 child job(s) did not complete") and "cancelled" in why
    assert not writes_done(view)
