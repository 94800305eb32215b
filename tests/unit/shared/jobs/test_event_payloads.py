"""Every job event type is one model in the union, and goes through JSON and back unchanged: as `data`
alone, which does not repeat the type, and in the envelope, which carries it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from pydantic import ValidationError

from shared.jobs.events.catalog import EVENT_TYPES, PAYLOAD, PAYLOADS, TERMINAL_TYPES
from shared.jobs.events.envelope import SCHEMA_VERSION, JobEvent
from shared.jobs.events.payloads import JobFailed, JobMessage
from tests.unit.shared.jobs.event_samples import SAMPLES

TS = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_every_model_has_a_sample_and_a_name_of_its_own():
    assert {type(s) for s in SAMPLES} == set(PAYLOADS)
    assert len(set(EVENT_TYPES)) == len(PAYLOADS)
    assert TERMINAL_TYPES == {"job.completed", "job.failed", "job.cancelled"}
    for model in PAYLOADS:
        assert model.model_config["extra"] == "ignore", model


@pytest.mark.parametrize("payload", SAMPLES, ids=lambda p: p.type)
def test_a_payload_goes_through_json_and_the_union_unchanged(payload):
    data = orjson.loads(payload.model_dump_json())
    assert "type" not in data  # the envelope carries it
    assert PAYLOAD.validate_python({**data, "type": payload.type}) == payload
    assert PAYLOAD.validate_json(orjson.dumps({**data, "type": payload.type, "added_later": 1})) == payload


@pytest.mark.parametrize("payload", SAMPLES, ids=lambda p: p.type)
def test_an_event_goes_through_json_unchanged(payload):
    event = JobEvent(job_id=uuid.uuid4(), seq=7, ts=TS, data=payload)
    wire = orjson.loads(event.to_json())
    assert list(wire) == ["schema_version", "job_id", "seq", "type", "ts", "data"]
    assert (wire["schema_version"], wire["type"]) == (SCHEMA_VERSION, payload.type)
    back = JobEvent.model_validate_json(event.to_json())
    assert back == event and type(back.data) is type(payload)


def test_the_envelope_type_decides_the_payload_model():
    job = uuid.uuid4()
    event = JobEvent(job_id=job, seq=1, type="job.failed", ts=TS, data={"error": "x"})
    assert event.data == JobFailed(error="x")
    with pytest.raises(ValidationError):
        JobEvent(job_id=job, seq=1, type="job.exploded", ts=TS, data={})
    with pytest.raises(ValidationError):  # a message without its text
        JobEvent(job_id=job, seq=1, type="job.message", ts=TS, data={"level": "info"})
    with pytest.raises(ValidationError):
        JobEvent(job_id=job, seq=1, type="job.failed", ts=TS, data=JobMessage(text="x", level="info"))
