"""The AsyncAPI document generated from the models is valid AsyncAPI 3.0 (the official JSON Schema),
and what the services send validates against the message schemas it gives."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime

import jsonschema
import orjson
import pytest

from shared.jobs.asyncapi import document
from shared.jobs.commands import CandleBatch, JobCommand, ValidateCommand
from shared.jobs.events.catalog import PAYLOADS, TERMINAL_TYPES
from shared.jobs.events.datasets import DatasetCreated, DatasetEvent, DatasetVerified
from shared.jobs.events.envelope import JobEvent
from tests.asyncapi_schema import asyncapi_errors
from tests.unit.shared.jobs.event_samples import SAMPLES

DOC = document()
JOB = uuid.uuid4()
COMMANDS = [
    JobCommand(job_id=JOB, exchange="kraken", symbol="BTC/USD", timeframe="1h", start_ms=0, end_ms=3_600_000),
    ValidateCommand(job_id=JOB, validation_id=uuid.uuid4(), exchange="kraken", symbol="BTC/USD", timeframes=["1h"],
                    start_ms=0, end_ms=3_600_000),
    CandleBatch(job_id=JOB, batch_id="rest:1h:0:0", exchange="kraken", symbol="BTC/USD", timeframe="1h",
                source="rest", ts=[0], open=[1.0], high=[1.0], low=[1.0], close=[1.0], volume=[1.0], vwap=[None],
                trades=[1]),
]


def validator(message: str) -> jsonschema.Draft202012Validator:
    """The message's payload schema, its $refs resolved in the document's components."""
    payload = DOC["components"]["messages"][message]["payload"]
    return jsonschema.Draft202012Validator({**payload, "components": DOC["components"]})


def test_the_document_is_valid_asyncapi_3():
    assert asyncapi_errors(DOC) == []


def test_the_validator_refuses_a_broken_document():
    broken = copy.deepcopy(DOC)
    broken["operations"]["publishJobEvents"]["action"] = "publish"  # AsyncAPI 2's word, not 3's
    del broken["info"]["version"]
    assert len(asyncapi_errors(broken)) >= 2
    assert asyncapi_errors({"asyncapi": "3.0.0"})  # no info


def test_every_event_type_and_work_queue_message_is_in_it():
    channels, events = DOC["channels"], DOC["channels"]["jobEvents"]["messages"]
    assert channels["jobEvents"]["address"] == "data_job_events.{job_id}"
    assert {DOC["components"]["messages"][k]["name"] for k in events} == {m.model_fields["type"].default
                                                                        for m in PAYLOADS}
    assert {k for k in events if DOC["components"]["messages"][k]["x-terminal"]} == {
        m.__name__ for m in PAYLOADS if m.model_fields["type"].default in TERMINAL_TYPES}
    assert {c["address"] for c in channels.values()} >= {"jobs.fetch", "jobs.trade_rebuild", "jobs.validate",
                                                         "candles.write"}
    for schema in DOC["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("payload", SAMPLES, ids=lambda p: p.type)
def test_a_sent_event_matches_its_message_schema(payload):
    wire = orjson.loads(JobEvent(job_id=JOB, seq=3, ts=datetime.now(UTC), data=payload).to_json())
    check = validator(type(payload).__name__)
    check.validate(wire)
    assert not check.is_valid({**wire, "type": "job.exploded"})
    assert not check.is_valid({k: v for k, v in wire.items() if k != "data"})


@pytest.mark.parametrize("message", COMMANDS, ids=lambda m: type(m).__name__)
def test_a_work_queue_message_matches_its_schema(message):
    check = validator(type(message).__name__)
    wire = orjson.loads(message.model_dump_json())
    check.validate(wire)
    assert not check.is_valid({k: v for k, v in wire.items() if k != "job_id"})


@pytest.mark.parametrize("payload", [
    DatasetCreated(name="n", exchange="kraken", symbols=["BTC/USD"], timeframes=["1h"], start_timestamp="a",
                   end_timestamp="b", files=1, rows=10, manifest_url="/api/datasets/x/manifest.json"),
    DatasetVerified(ok=False, files=2, failed=["BTC-USD_1h.parquet"], verified_at="2026-11-20T00:00:00Z"),
], ids=lambda p: p.type)
def test_a_dataset_event_matches_its_message_schema(payload):
    assert DOC["channels"]["datasetEvents"]["address"] == "datasets.{dataset_id}"
    event = DatasetEvent(dataset_id="0" * 32, ts=datetime.now(UTC), data=payload)
    wire = orjson.loads(event.to_json())
    assert wire["type"] == payload.type and DatasetEvent.model_validate(wire) == event
    check = validator(type(payload).__name__)
    check.validate(wire)
    assert not check.is_valid({**wire, "type": "dataset.exploded"})
    assert not check.is_valid({k: v for k, v in wire.items() if k != "dataset_id"})
