"""A job event as stored in data_job_events and as sent on data_job_events.{job_id} and over SSE:
`schema_version`, `job_id`, `seq` (per job, from 1), `type`, `ts`, and `data`, the payload model of
that type (catalog.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import model_validator

from shared.jobs.events.catalog import EventPayload
from shared.jobs.events.wire import SCHEMA_VERSION, Wire, typed_data

__all__ = ["SCHEMA_VERSION", "Envelope", "JobEvent", "subject"]
SUBJECT_PREFIX = "data_job_events"
EVERY_JOB = f"{SUBJECT_PREFIX}.>"


def subject(job_id: UUID | str) -> str:
    return f"{SUBJECT_PREFIX}.{job_id}"


class Envelope(Wire):
    schema_version: int = SCHEMA_VERSION
    job_id: UUID
    seq: int
    type: str
    ts: datetime
    data: Any


class JobEvent(Envelope):
    data: EventPayload

    _type_of_data = model_validator(mode="before")(classmethod(lambda cls, raw: typed_data(raw)))
