"""A job event as stored in data_job_events and as sent on data_job_events.{job_id} and over SSE:
`schema_version`, `job_id`, `seq` (per job, from 1), `type`, `ts`, and `data`, the payload model of
that type (catalog.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel, ConfigDict, model_validator

from shared.jobs.events.catalog import EventPayload

SCHEMA_VERSION = 1
SUBJECT_PREFIX = "data_job_events"
EVERY_JOB = f"{SUBJECT_PREFIX}.>"


def subject(job_id: UUID | str) -> str:
    return f"{SUBJECT_PREFIX}.{job_id}"


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    job_id: UUID
    seq: int
    type: str
    ts: datetime
    data: Any


class JobEvent(Envelope):
    data: EventPayload

    @model_validator(mode="before")
    @classmethod
    def _type_of_data(cls, raw: Any) -> Any:
        """Built from a payload model, the envelope takes its type; read from JSON or a row, the
        envelope's type tells which payload model `data` is."""
        if not isinstance(raw, dict):
            return raw
        data = raw.get("data")
        if isinstance(data, BaseModel):
            if raw.get("type", data.type) != data.type:
                raise ValueError(f"a {data.type} payload in a {raw['type']} event")
            return {**raw, "type": data.type}
        return {**raw, "data": {**(data or {}), "type": raw.get("type")}}

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))
