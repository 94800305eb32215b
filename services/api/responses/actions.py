"""What POST /api/data-jobs/{id}/actions answers; `resume` answers as a new job does (jobs.JobCreated)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from services.api.responses.base import Answer
from shared.jobs.events.results import Artifact


class ValidationAsked(Answer):
    """202: the validation is queued; its outcome shows in the job's `validation` and its events."""

    job_id: UUID
    action: Literal["validate"]
    status: Literal["queued"]
    validation_id: UUID
    timeframes: list[str]


class DownloadLink(Answer):
    timeframe: str
    format: Literal["parquet", "csv"]
    url: str = Field(description="GET it: the candles of the job's range as one file")


class Downloads(Answer):
    job_id: UUID
    action: Literal["download"]
    downloads: list[DownloadLink]
    artifacts: list[Artifact] = Field(description="the lake partitions the job wrote")


class Cancelled(Answer):
    job_id: UUID
    action: Literal["cancel"]
    status: Literal["cancelled"]
    children_cancelled: list[UUID] = Field(description="the child rebuilds of its plan that were stopped too")
