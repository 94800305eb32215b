"""A job as POST /api/data-jobs answers it, as GET /api/data-jobs lists it, and as GET
/api/data-jobs/{id} shows it (README, "HTTP API")."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from services.api.responses.base import Answer, Time
from shared.jobs.events.results import JobResult

JobStatus = Literal["queued", "running", "completed", "failed", "cancelled"]
JobType = Literal["fetch", "trade_rebuild"]


class JobCreated(Answer):
    """The job as stored: 201 when it is new; 200 with `deduplicated` when the same request is already
    queued or running and that job is answered instead."""

    id: UUID
    status: JobStatus
    submitted_at: Time
    resumed_from: UUID | None = Field(None, description="action `resume`: the failed or cancelled job it resumes")
    deduplicated: bool = Field(False, description="an identical job was queued or running already: this is it")


class JobSummary(Answer):
    """A job as the listing shows it."""

    id: UUID
    job_type: JobType
    status: JobStatus
    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: Time
    end_timestamp: Time
    progress: float = Field(ge=0, le=1)
    submitted_at: Time
    finished_at: Time | None
    parent_id: UUID | None = Field(None, description="the fetch job whose plan spawned this rebuild, or the batch this"
                                               " job is a child of")


class JobDetails(Answer):
    last_timestamp: str | None = Field(description="how far the producer got (ISO 8601)")
    batches_completed: int
    messages: list[str] = Field(description="the latest job.message texts")


class JobValidation(Answer):
    """The latest validation asked for, as it goes; it never changes the job's status."""

    validation_id: UUID
    status: Literal["queued", "running", "completed", "failed"]
    updated_at: Time
    timeframes: list[str] | None = None
    ok: bool | None = Field(None, description="completed: every timeframe passed")
    reports: dict[str, dict[str, Any]] | None = Field(
        None, description="completed: per timeframe, rows, failures per check and missing stretches")
    error: str | None = Field(None, description="failed: why the validation could not run")


class JobView(JobSummary):
    """A job with its details, result and validation."""

    options: dict[str, Any] = Field(description="the job's options as stored")
    details: JobDetails
    result: JobResult
    error: str | None
    validation: JobValidation | None
    started_at: Time | None
    resumed_from: UUID | None = Field(None, description="the failed or cancelled job this one resumes")
    resumed_by: UUID | None = Field(None, description="the job that resumed this one (it is not resumed again)")
    events_seq: int = Field(description="the seq of the job's latest event")
