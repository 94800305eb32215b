"""The API's answers as the client returns them: pydantic models of the fields a notebook or the CLI
reads. Fields the server adds later are kept (extra="allow") but not required."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

JobStatus = Literal["queued", "running", "completed", "failed", "cancelled"]
TERMINAL_EVENTS = frozenset({"job.completed", "job.failed", "job.cancelled"})  # README, "Events"


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class JobCreated(Model):
    id: str
    status: JobStatus
    submitted_at: datetime
    deduplicated: bool = False
    resumed_from: str | None = None


class JobSummary(Model):
    id: str
    job_type: str
    status: JobStatus
    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: datetime
    end_timestamp: datetime
    progress: float
    submitted_at: datetime
    finished_at: datetime | None = None


class JobView(JobSummary):
    parent_id: str | None = None
    details: dict[str, Any] = {}
    result: dict[str, Any] = {}
    error: str | None = None
    validation: dict[str, Any] | None = None

    @property
    def ended(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")


class Plan(Model):
    """A dry run: the plan (a fetch), the estimate (a rebuild) or the children (a batch: several markets
    or timeframes, or a range longer than one job may cover), and whether the job needs confirming."""

    job_type: str = "fetch"
    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: datetime
    end_timestamp: datetime
    calls: int = 0
    needs_confirm: bool = False
    plan: dict[str, Any] | None = None
    estimate: dict[str, Any] | None = None
    children: list[dict[str, Any]] = []
    totals: dict[str, Any] | None = None

    @property
    def segments(self) -> list[dict[str, Any]]:
        return (self.plan or {}).get("segments", [])

    @property
    def seconds(self) -> float:
        totals = (self.plan or {}).get("totals") or self.estimate or self.totals or {}
        return float(totals.get("seconds", 0))


class Event(Model):
    job_id: str
    seq: int
    type: str
    ts: datetime
    data: dict[str, Any] = {}

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_EVENTS


class CoverageRow(Model):
    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: datetime | None = None
    end_timestamp: datetime | None = None
    rows: int = 0
    validated_at: datetime | None = None
    intervals: list[dict[str, Any]] = []


class DatasetFile(Model):
    name: str
    symbol: str
    timeframe: str
    sha256: str
    rows: int
    first_ts: Any = None
    last_ts: Any = None
    sources: dict[str, int] = {}
    url: str | None = None


class Manifest(Model):
    files: list[DatasetFile] = []


class DatasetSummary(Model):
    id: str
    name: str
    created_at: datetime | None = None


class DatasetView(DatasetSummary):
    manifest: Manifest
    snippets: dict[str, str] = {}


class DatasetCreated(Model):
    dataset: DatasetView
    created: bool


class DatasetPage(Model):
    datasets: list[DatasetSummary]
    next: str | None = None


class FileCheck(Model):
    name: str
    sha256: str
    ok: bool


class Verification(Model):
    id: str
    ok: bool
    files: list[FileCheck] = []
    verified_at: datetime | None = None


class Deleted(Model):
    deleted: str
    files_removed: int
