"""Every job event type in one union, told apart by `type`; the names, and which of them end a job."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field, TypeAdapter

from shared.jobs.events.datasets import DatasetCreated, DatasetVerified
from shared.jobs.events.payloads import (
    BatchWritten,
    ChildCompleted,
    ChildEnded,
    ChildProgress,
    ChildrenPlanned,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobFetched,
    JobMessage,
    JobPlanned,
    JobProgress,
    JobQueued,
    JobResumed,
    JobStarted,
    Payload,
)
from shared.jobs.events.validation import (
    ValidationCompleted,
    ValidationFailed,
    ValidationQueued,
    ValidationStarted,
)

EventPayload = Annotated[
    JobQueued | JobStarted | JobProgress | JobMessage | JobPlanned | JobFetched | BatchWritten | JobCompleted
    | JobFailed | JobCancelled | JobResumed | ChildCompleted | ChildEnded | ChildProgress | ChildrenPlanned | ValidationQueued | ValidationStarted
    | ValidationCompleted | ValidationFailed,
    Field(discriminator="type"),
]
PAYLOADS: tuple[type[Payload], ...] = get_args(get_args(EventPayload)[0])
# Validates a payload without its envelope: `data` with the event's `type` added to it.
PAYLOAD = TypeAdapter(EventPayload)


def type_name(model: type[Payload]) -> str:
    return model.model_fields["type"].default


EVENT_TYPES = tuple(type_name(m) for m in PAYLOADS)
# A job ends once: the first of these stored is its last word (the log stores no second one).
TERMINAL_TYPES = frozenset(type_name(m) for m in (JobCompleted, JobFailed, JobCancelled))

# The events of datasets, which have no job (datasets.py): apart from the job events above.
DATASET_PAYLOADS: tuple[type[Payload], ...] = (DatasetCreated, DatasetVerified)
DATASET_EVENT_TYPES = tuple(type_name(m) for m in DATASET_PAYLOADS)
