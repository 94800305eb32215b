"""The job view is the fold of the job's events: status, progress, details and result."""

from __future__ import annotations

import uuid

from services.coverage.job_view import apply, writes_done
from shared.jobs.events.envelope import JobEvent
from shared.jobs.events.payloads import (
    BatchWritten,
    ChildCompleted,
    JobCompleted,
    JobFailed,
    JobFetched,
    JobMessage,
    JobProgress,
)
from shared.jobs.events.validation import (
    ValidationCompleted,
    ValidationFailed,
    ValidationQueued,
    ValidationStarted,
)
from tests.unit.services.coverage.folding import QUEUED, STARTED, ev, fold


def batch_written(batch: str, rows: int, start: str | None = None, end: str | None = None, partitions: tuple = (),
                  comparison: dict | None = None) -> BatchWritten:
    return BatchWritten(batch_id=batch, rows=rows, source="rest", timeframe="1h", start_timestamp=start,
                        end_timestamp=end, partitions=list(partitions), comparison=comparison)


def written(seq: int, batch: str, rows: int, start: str, end: str) -> JobEvent:
    partition = {"year": 2026, "rows": rows, "artifact": "file:///lake/year=2026/part-0.parquet", "changed": True}
    return ev(seq, batch_written(batch, rows, start, end, [partition]))


def fetched(*batch_ids: str, **fields) -> JobFetched:
    return JobFetched(batch_ids=list(batch_ids), exchange_calls=0, **fields)


def test_a_job_is_done_only_when_every_announced_batch_is_written():
    view = fold(ev(1, QUEUED), ev(2, STARTED), ev(3, JobProgress(progress=0.5, last_timestamp="2026-01-01T05:00:00Z")),
                written(4, "b1", 10, "2026-01-01T00:00:00Z", "2026-01-01T09:00:00Z"))
    assert view.status == "running" and view.progress == 0.475 and not writes_done(view)
    assert view.details["last_timestamp"] == "2026-01-01T05:00:00Z"
    gap = {"start_timestamp": "2026-01-01T15:00:00Z", "end_timestamp": "2026-01-01T16:00:00Z", "reason": "x"}
    view = apply(view, ev(5, fetched("b1", "b2", not_fetched=[gap])))
    assert not writes_done(view) and view.result["rows"] == 10
    view = apply(view, written(6, "b2", 5, "2026-01-01T10:00:00Z", "2026-01-01T14:00:00Z"))
    assert writes_done(view) and view.details["batches_completed"] == 2
    assert view.result["rows"] == 15
    assert (view.result["start_timestamp"], view.result["end_timestamp"]) == ("2026-01-01T00:00:00Z",
                                                                              "2026-01-01T14:00:00Z")
    assert view.result["artifacts"] == [{"type": "parquet", "path": "file:///lake/year=2026/part-0.parquet"}]
    assert view.result["not_fetched"] == [gap]
    done = apply(view, ev(7, JobCompleted(result=view.result)))
    assert (done.status, done.progress, done.finished_at.second) == ("completed", 1.0, 7)


def test_a_redelivered_batch_counts_once_and_terminal_is_final():
    view = fold(ev(1, QUEUED), ev(2, fetched("b1")), written(3, "b1", 4, "a", "b"), written(4, "b1", 4, "a", "b"))
    assert view.result["rows"] == 4 and view.details["batches_completed"] == 1
    failed = fold(ev(1, QUEUED), ev(2, JobFailed(error="kraken said no")),
                  ev(3, JobProgress(progress=1, last_timestamp="2026-01-01T05:00:00Z")))
    assert failed.status == "failed" and failed.error == "kraken said no"


def test_messages_are_kept_in_order_and_bounded():
    view = fold(*(ev(i, JobMessage(text=f"m{i}", level="info")) for i in range(1, 80)))
    assert view.details["messages"][-1] == "m79" and len(view.details["messages"]) == 50


def test_a_parent_waits_for_its_children_and_adds_their_results():
    child = str(uuid.uuid4())
    seam = {"compared": 1, "matched": 1, "differing": 0, "max_rel_diff": 0.0, "differences": []}
    view = fold(ev(1, QUEUED), ev(2, fetched("b1", children=[child])),
                written(3, "b1", 10, "2026-01-01T00:00:00Z", "2026-01-01T09:00:00Z"))
    assert not writes_done(view) and view.progress == 0.975  # one of two units done
    assert view.result["children"] == [{"id": child, "status": "queued", "progress": 0.0}]
    child_result = {"rows": 7, "start_timestamp": "2026-01-01T10:00:00Z", "end_timestamp": "2026-01-01T16:00:00Z",
                    "artifacts": [{"type": "parquet", "path": "file:///lake/x.parquet"}], "exchange_calls": 3,
                    "comparisons": {"with_stored": seam, "with_kraken_ohlc": {"1m": seam}}}
    view = apply(view, ev(4, ChildCompleted(child_id=child, status="completed", result=child_result)))
    assert writes_done(view)
    assert view.result["rows"] == 17 and view.result["end_timestamp"] == "2026-01-01T16:00:00Z"
    assert view.result["exchange_calls"] == 3
    assert view.result["comparisons"]["with_stored"]["compared"] == 1
    assert view.result["comparisons"]["with_kraken_ohlc"]["1m"]["matched"] == 1
    assert {a["path"] for a in view.result["artifacts"]} == {"file:///lake/year=2026/part-0.parquet",
                                                             "file:///lake/x.parquet"}


def test_seam_comparisons_of_written_batches_are_summed():
    def report(compared: int, differing: int) -> dict:
        return {"compared": compared, "matched": compared - differing, "differing": differing,
                "max_rel_diff": 0.1 * differing, "differences": [{"ts": "t", "fields": {}}] * differing}

    view = fold(ev(1, fetched("b1", "b2")), ev(2, batch_written("b1", 1, comparison=report(2, 0))),
                ev(3, batch_written("b2", 1, comparison=report(3, 1))))
    checks = view.result["comparisons"]["with_stored"]
    assert (checks["compared"], checks["matched"], checks["differing"]) == (5, 4, 1)
    assert checks["max_rel_diff"] == 0.1 and len(checks["differences"]) == 1


def test_the_latest_validation_shows_as_it_goes_and_leaves_the_status_alone():
    first, second = uuid.uuid4(), uuid.uuid4()
    view = fold(ev(1, QUEUED), ev(2, JobFailed(error="x")), ev(3, ValidationQueued(validation_id=first, timeframes=["1h"])),
                ev(4, ValidationQueued(validation_id=second, timeframes=["1h", "4h"])),
                ev(5, ValidationStarted(validation_id=second, timeframes=["1h", "4h"])),
                ev(6, ValidationCompleted(validation_id=first, ok=True, reports={})))  # the older one: ignored
    assert view.status == "failed"
    assert view.details["validation"] == {"validation_id": str(second), "timeframes": ["1h", "4h"],
                                          "status": "running", "updated_at": "2026-01-01T00:00:05Z"}
    view = apply(view, ev(7, ValidationFailed(validation_id=second, error="the lake is not readable")))
    assert view.details["validation"] == {"validation_id": str(second), "timeframes": ["1h", "4h"],
                                          "error": "the lake is not readable", "status": "failed",
                                          "updated_at": "2026-01-01T00:00:07Z"}
