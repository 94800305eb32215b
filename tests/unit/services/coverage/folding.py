"""A job's events folded into its view, as the coverage projection does, for the view's tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.coverage.job_view import JobView, apply
from shared.jobs.events.catalog import EventPayload
from shared.jobs.events.envelope import JobEvent
from shared.jobs.events.payloads import JobQueued, JobStarted

JOB = uuid.uuid4()
QUEUED = JobQueued(request={})
STARTED = JobStarted(worker="fetcher")


def ev(seq: int, payload: EventPayload) -> JobEvent:
    return JobEvent(job_id=JOB, seq=seq, ts=datetime(2026, 1, 1, 0, seq // 60, seq % 60, tzinfo=UTC), data=payload)


def fold(*events: JobEvent) -> JobView:
    view = JobView("queued", 0.0, {}, {}, None, {})
    for e in events:
        view = apply(view, e)
    return view
