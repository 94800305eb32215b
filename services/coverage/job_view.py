"""Pure projection of a job's events into the job view the API serves (README, "HTTP API")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.coverage.batch_view import batch_children, batch_failure, batch_progress
from services.coverage.job_result import job_result
from services.coverage.plan_progress import child_states, plan_progress
from shared.jobs.events.envelope import JobEvent
from shared.jobs.events.payloads import (
    BatchWritten,
    ChildCompleted,
    ChildEnded,
    ChildProgress,
    ChildrenPlanned,
    JobFailed,
    JobFetched,
    JobMessage,
    JobPlanned,
    JobProgress,
    JobResumed,
    JobStarted,
)
from shared.jobs.events.validation import (
    ValidationCompleted,
    ValidationEvent,
    ValidationFailed,
    ValidationQueued,
    ValidationStarted,
)
from shared.jobs.lifecycle import COMPLETED, TERMINAL_STATUSES, next_status
from shared.lake.timeframes import iso
from shared.planning.weight import FETCH_SHARE

MAX_MESSAGES = 50
VALIDATION_STATUS = {ValidationQueued: "queued", ValidationStarted: "running", ValidationCompleted: "completed",
                     ValidationFailed: "failed"}


@dataclass
class JobView:
    status: str
    progress: float
    details: dict[str, Any]
    result: dict[str, Any]
    error: str | None
    # JSON kept between projections: the batch ids job.fetched announced (and its payload), what the
    # view keeps of each batch written, each child's result (None while it runs), and the plan.
    tracking: dict[str, Any]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # Timeframes whose stored candles changed: a rebuild writes several, each with its coverage row.
    coverage_changed: set[str] = field(default_factory=set, compare=False)


def _written(view: JobView) -> dict[str, dict]:
    return view.tracking.setdefault("written", {})


def _expected(view: JobView) -> list[str] | None:
    return view.tracking.get("expected")


def _children(view: JobView) -> dict[str, dict | None]:
    return view.tracking.setdefault("children", {})


def failed_batch(view: JobView) -> str | None:
    """Why a batch failed, once every child has ended and some did not complete."""
    return batch_failure(view.tracking) if "batch" in view.tracking else None


def writes_done(view: JobView) -> bool:
    """The producer has finished, the writer has written every batch it announced, and every child
    job the plan spawned has completed."""
    expected = _expected(view)
    return (expected is not None and set(expected) <= set(_written(view))
            and all(c is not None for c in _children(view).values()))


def _units(view: JobView) -> tuple[int, int]:
    expected, children = _expected(view) or [], _children(view)
    done = sum(1 for b in expected if b in _written(view)) + sum(1 for c in children.values() if c is not None)
    return done, len(expected) + len(children)


def _validation(view: JobView, event: JobEvent, validation: ValidationEvent) -> None:
    """The latest validation asked for, as it goes (an older one finishing later does not replace it);
    it never changes the job's own status."""
    latest = {} if isinstance(validation, ValidationQueued) else view.details.get("validation") or {}
    if latest.get("validation_id") in (None, str(validation.validation_id)):
        # A failure that does not repeat the timeframes keeps those the validation was asked for.
        view.details["validation"] = {**latest, **validation.model_dump(mode="json", exclude_none=True),
                                      "status": VALIDATION_STATUS[type(validation)],
                                      "updated_at": iso(event.ts)}


def apply(view: JobView, event: JobEvent) -> JobView:
    payload, details = event.data, view.details
    view.status = next_status(view.status, payload)
    match payload:
        case JobStarted() if view.started_at is None:
            view.started_at = event.ts
        case JobProgress():
            if payload.segments_done is not None:  # the fetcher passed another segment (plan_progress)
                view.tracking["segments_done"] = max(view.tracking.get("segments_done", 0), payload.segments_done)
            view.progress = max(view.progress, FETCH_SHARE * payload.progress)
            details["last_timestamp"] = payload.last_timestamp
        case JobMessage():
            details["messages"] = (details.get("messages", []) + [payload.text])[-MAX_MESSAGES:]
        case JobPlanned():
            view.tracking["plan"] = {"segments": payload.segments, "totals": payload.totals}
        case JobFetched():
            view.tracking["expected"] = list(payload.batch_ids)
            view.tracking["fetched"] = payload.model_dump(mode="json")
            for child in payload.children:
                _children(view).setdefault(child, None)
        case ChildCompleted():
            _children(view)[str(payload.child_id)] = payload.result.model_dump(mode="json")
        case ChildEnded():
            view.tracking.setdefault("ended", {})[str(payload.child_id)] = payload.status
        case ChildProgress():
            view.tracking.setdefault("child_progress", {})[str(payload.child_id)] = [payload.status, payload.progress]
        case ChildrenPlanned():
            view.tracking["batch"] = [c.model_dump(mode="json") for c in payload.children]
            view.tracking["plan"] = {"totals": payload.totals}
        case BatchWritten():
            _written(view)[payload.batch_id] = {
                "rows": payload.rows - payload.seam_rows, "start": payload.start_timestamp, "end": payload.end_timestamp,
                "artifacts": [p.artifact for p in payload.partitions], "comparison": payload.comparison}
            details["batches_completed"] = len(_written(view))
            view.coverage_changed.add(payload.timeframe)
        case JobFailed():
            view.error = payload.error
        case JobResumed():  # in the log of the job resumed and of the one resuming it
            mine = "resumed_by" if event.job_id == payload.resumed_from else "resumed_from"
            details[mine] = str(getattr(payload, mine))
        case ValidationEvent():
            _validation(view, event, payload)
    if "batch" in view.tracking and view.status not in TERMINAL_STATUSES:
        view.progress = max(view.progress, batch_progress(view.tracking))
    elif (planned := plan_progress(view.tracking)) is not None and view.status not in TERMINAL_STATUSES:
        view.progress = max(view.progress, planned)
    elif _expected(view) is not None and view.status not in TERMINAL_STATUSES:
        done, total = _units(view)
        view.progress = FETCH_SHARE + (1 - FETCH_SHARE) * (done / total if total else 1.0)
    # Kept up after the job ended too: a cancelled parent hears its children end after it.
    if _expected(view) is not None:
        batches = [_written(view)[b] for b in _expected(view) if b in _written(view)]
        result = job_result(JobFetched.model_validate(view.tracking["fetched"]), batches, _children(view),
                            view.tracking.get("plan"), child_states(view.tracking))
        if "batch" in view.tracking:
            result.children = batch_children(view.tracking)
        view.result = result.model_dump(mode="json")
    if view.status in TERMINAL_STATUSES and view.finished_at is None:
        view.finished_at = event.ts
        if view.status == COMPLETED:
            view.progress = 1.0
    return view
