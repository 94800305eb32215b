"""The events of datasets (frozen snapshots of candles; README, "Datasets"). A dataset has no job: its
events are not in data_job_events (the datasets table is their record) and go, once its row is
stored, to the subject datasets.<dataset_id> (JetStream stream DATASETS), each an envelope with
`schema_version`, `dataset_id`, `type`, `ts` and `data`. Sent by the api."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from shared.jobs.events.payloads import Payload, tag
from shared.jobs.events.wire import SCHEMA_VERSION, Wire, typed_data

SUBJECT_PREFIX = "datasets"


def dataset_subject(dataset_id: str) -> str:
    return f"{SUBJECT_PREFIX}.{dataset_id}"


class DatasetScope(BaseModel):
    """What a dataset holds, in a line: its markets, timeframes, range, files and rows (the API's
    dataset summary says the same)."""

    exchange: str
    symbols: list[str]
    timeframes: list[str]
    start_timestamp: str
    end_timestamp: str
    files: int
    rows: int


class DatasetCreated(Payload, DatasetScope):
    """A dataset was frozen: its files are written and its manifest stored (not sent for a request that
    found the same content already there)."""

    type: Literal["dataset.created"] = tag("dataset.created")
    name: str
    manifest_url: str  # GET it for the whole manifest


class DatasetVerified(Payload):
    """Every file of a dataset was read back and hashed (POST /api/datasets/{id}/verify)."""

    type: Literal["dataset.verified"] = tag("dataset.verified")
    ok: bool
    files: int
    failed: list[str] = []  # names of the files whose bytes no longer hash to the manifest's sha256
    verified_at: str


DatasetPayload = Annotated[DatasetCreated | DatasetVerified, Field(discriminator="type")]


class DatasetEvent(Wire):
    schema_version: int = SCHEMA_VERSION
    dataset_id: str
    type: str
    ts: datetime
    data: DatasetPayload

    _type_of_data = model_validator(mode="before")(classmethod(lambda cls, raw: typed_data(raw)))
