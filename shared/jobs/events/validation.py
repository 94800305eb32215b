"""The validation events of a job that has ended: what was asked, and what the coverage service found.
None of them changes the job's status."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from shared.jobs.events.payloads import Payload, tag


class ValidationEvent(Payload):
    validation_id: UUID


class ValidationQueued(ValidationEvent):
    """A validation of what an ended job stored is asked for. Sent by the api."""

    type: Literal["validation.queued"] = tag("validation.queued")
    timeframes: list[str]


class ValidationStarted(ValidationEvent):
    """Sent by coverage."""

    type: Literal["validation.started"] = tag("validation.started")
    timeframes: list[str]


class ValidationCompleted(ValidationEvent):
    """Sent by coverage: `ok` when every timeframe passed."""

    type: Literal["validation.completed"] = tag("validation.completed")
    ok: bool
    reports: dict[str, dict[str, Any]]  # per timeframe: rows, failures per check, missing stretches


class ValidationFailed(ValidationEvent):
    """The validation could not run. Sent by coverage, or by the api when it could not queue it."""

    type: Literal["validation.failed"] = tag("validation.failed")
    error: str
    timeframes: list[str] | None = None  # the api's, which it was asked for
