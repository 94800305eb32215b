"""The bus contract as an AsyncAPI 3.0 document, generated from the models: the job events on
data_job_events.{job_id} (the EVENTS stream) and the messages of the JOBS and CANDLES work queues
(commands.py). Served at GET /api/asyncapi.json."""

from __future__ import annotations

import inspect
from typing import Literal

from pydantic import BaseModel, create_model

from shared.jobs.commands import (
    CANDLES_SUBJECT,
    JOB_SUBJECTS,
    VALIDATE_SUBJECT,
    CandleBatch,
    JobCommand,
    ValidateCommand,
)
from shared.jobs.events.catalog import DATASET_PAYLOADS, PAYLOADS, TERMINAL_TYPES, type_name
from shared.jobs.events.datasets import DatasetEvent, dataset_subject
from shared.jobs.events.envelope import SCHEMA_VERSION, Envelope, subject
from shared.platform.bus import STREAMS

REF = "#/components/schemas/{model}"
# Who reads each work queue, and who writes it.
QUEUES = {
    "fetchJobs": (JOB_SUBJECTS["fetch"], JobCommand, "The fetcher takes each fetch job; sent by the api."),
    "rebuildJobs": (JOB_SUBJECTS["trade_rebuild"], JobCommand,
                    "The rebuilder takes each trade rebuild; sent by the api, and by the fetcher for a plan's child rebuilds."),
    "validations": (VALIDATE_SUBJECT, ValidateCommand, "Coverage validates what a job stored; sent by the api."),
    "candleBatches": (CANDLES_SUBJECT, CandleBatch, "The writer merges each batch; sent by the fetcher and the rebuilder."),
}


def stream_of(address: str) -> str:
    return next(s.name for s in STREAMS if any(address.startswith(p.rstrip(">")) for p in s.subjects))


def _schema(model: type[BaseModel], schemas: dict) -> dict:
    """Adds the model's JSON Schema (as sent: serialization mode) and those it refers to."""
    schema = model.model_json_schema(mode="serialization", ref_template=REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _message(name: str, model: type[BaseModel], payload: dict) -> dict:
    doc = inspect.getdoc(model) or ""
    return {"name": name, "title": name, "summary": doc.split("\n\n")[0].replace("\n", " "),
            "contentType": "application/json", "payload": payload}


def typed_envelopes() -> dict[type[BaseModel], type[Envelope]]:
    """Per payload model, the envelope of its events: `type` fixed and `data` that model (the HTTP API's
    event stream documents its events with these too)."""
    return {model: create_model(f"{model.__name__}Event", __base__=Envelope, type=(Literal[type_name(model)], ...),
                                data=(model, ...)) for model in PAYLOADS}


def dataset_envelopes() -> dict[type[BaseModel], type[DatasetEvent]]:
    """Per dataset payload model, the envelope of its events (`type` fixed, `data` that model)."""
    return {model: create_model(f"{model.__name__}Event", __base__=DatasetEvent,
                                type=(Literal[type_name(model)], ...), data=(model, ...)) for model in DATASET_PAYLOADS}


def _dataset_channel(schemas: dict, messages: dict, channels: dict, operations: dict) -> None:
    events = {model.__name__: _message(type_name(model), model, _schema(envelope, schemas))
              for model, envelope in dataset_envelopes().items()}
    messages.update(events)
    channels["datasetEvents"] = {
        "address": dataset_subject("{dataset_id}"), "title": f"Dataset events (JetStream stream"
                                                             f" {stream_of(dataset_subject('x'))})",
        "description": "A dataset's events: sent once its row is stored (PostgreSQL's datasets table is the"
                       " record); the stream keeps them for a week.",
        "parameters": {"dataset_id": {"description": "The dataset's id (32 hex digits, from its content)."}},
        "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in events},
    }
    operations["publishDatasetEvents"] = {
        "action": "send", "channel": {"$ref": "#/channels/datasetEvents"},
        "summary": "The api sends the events of the datasets it freezes and verifies.",
        "messages": [{"$ref": f"#/channels/datasetEvents/messages/{key}"} for key in events],
    }


def _event_messages(schemas: dict) -> dict:
    """One message per event type: the envelope, with `type` fixed and `data` its payload model."""
    messages = {}
    for model, envelope in typed_envelopes().items():
        name = type_name(model)
        messages[model.__name__] = _message(name, model, _schema(envelope, schemas))
        messages[model.__name__]["x-terminal"] = name in TERMINAL_TYPES
    return messages


def document() -> dict:
    schemas: dict = {}
    events = _event_messages(schemas)
    channels = {"jobEvents": {
        "address": subject("{job_id}"), "title": f"Job events (JetStream stream {stream_of(subject('x'))})",
        "description": "Every event of one job, in seq order: stored in PostgreSQL first, then published here;"
                       " the stream keeps them for a week. SSE: GET /api/data-jobs/{id}/events.",
        "parameters": {"job_id": {"description": "The job's id (a UUID)."}},
        "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in events},
    }}
    operations = {"publishJobEvents": {
        "action": "send", "channel": {"$ref": "#/channels/jobEvents"},
        "summary": "Every service sends the events of the jobs it works on.",
        "messages": [{"$ref": f"#/channels/jobEvents/messages/{key}"} for key in events],
    }}
    messages = dict(events)
    _dataset_channel(schemas, messages, channels, operations)
    for key, (address, model, summary) in QUEUES.items():
        messages.setdefault(model.__name__, _message(model.__name__, model, _schema(model, schemas)))
        channels[key] = {"address": address, "title": f"Work queue (JetStream stream {stream_of(address)})",
                         "messages": {model.__name__: {"$ref": f"#/components/messages/{model.__name__}"}}}
        operations[f"consume{key[0].upper()}{key[1:]}"] = {"action": "receive", "channel": {"$ref": f"#/channels/{key}"},
                                        "summary": summary,
                                        "messages": [{"$ref": f"#/channels/{key}/messages/{model.__name__}"}]}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "candle-history bus", "version": str(SCHEMA_VERSION),
                 "description": "JSON messages on NATS JetStream. A message may carry fields a reader does not"
                                " know; readers ignore them."},
        "defaultContentType": "application/json",
        "servers": {"nats": {"host": "{host}", "protocol": "nats",
                             "description": "NATS_URL; under `make run`, the URL in data/nats.url",
                             "variables": {"host": {"default": "127.0.0.1:4222"}}}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
