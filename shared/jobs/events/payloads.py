"""One model per job event type: what an event's `data` carries, and (in each docstring) who sends it.
The `type` field tells the payloads apart; it travels in the envelope, not in `data` (see envelope.py)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.jobs.commands import Source
from shared.jobs.events.results import ComparisonReport, JobResult, NotFetched, PartitionWritten


def tag(name: str) -> Any:
    """The value of a model's `type`, left out when it is dumped: the envelope carries it."""
    return Field(name, exclude=True)


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str


class JobQueued(Payload):
    """The job is stored; its command is on its way to the work queue. Sent by the api, and by the
    fetcher for each child rebuild of its plan."""

    type: Literal["job.queued"] = tag("job.queued")
    request: dict[str, Any]  # the request as asked (POST /api/data-jobs), which `resume` asks again


class JobStarted(Payload):
    """A worker took the job. Sent by the fetcher and the rebuilder."""

    type: Literal["job.started"] = tag("job.started")
    worker: Literal["fetcher", "rebuilder"]
    instance: str | None = None  # the replica that took it (INSTANCE_ID)
    resumed: bool = False  # a rebuild carrying on from its checkpoint


class JobProgress(Payload):
    """After each plan segment (fetcher), each Trades page or dump chunk (rebuilder)."""

    type: Literal["job.progress"] = tag("job.progress")
    progress: float  # 0..1 of the producer's share
    last_timestamp: str  # ISO 8601: how far it got
    segment: str | None = None  # fetcher: the kind of the segment just done
    segments_done: int | None = None  # fetcher: how many of the plan's segments it has passed
    trades: int | None = None  # rebuilder: trades read, calls made, of them from the dump
    calls: int | None = None
    dump_trades: int | None = None


class JobMessage(Payload):
    """A line for people watching the job. Sent by any service."""

    type: Literal["job.message"] = tag("job.message")
    text: str
    level: Literal["info", "warning", "error"]


class JobPlanned(Payload):
    """The plan, made once per job. Sent by the fetcher."""

    type: Literal["job.planned"] = tag("job.planned")
    segments: list[dict[str, Any]]  # per segment: kind, range, calls, rows, seconds (shared/planning/summary.py)
    totals: dict[str, Any]
    segments_raw: list[dict[str, Any]]  # the planner's segments, for a fetcher that restarts mid-job


class JobFetched(Payload):
    """The producer's share is done: it names every batch it sent (the job completes once the writer has
    written them all and every child has completed). Sent by the fetcher and the rebuilder; a field
    that one of them has no use for keeps its default."""

    type: Literal["job.fetched"] = tag("job.fetched")
    batch_ids: list[str]
    exchange_calls: int
    not_fetched: list[NotFetched] = []
    rows: int | None = None  # candles sent (fetcher); the rebuilder's are counted as they are written
    children: list[str] = []  # fetcher: the child rebuild jobs of its plan
    no_trade_intervals: int = 0  # fetcher: REST candles without trades, not stored
    failed_calls: int = 0  # fetcher
    trades: int = 0  # rebuilder: trades read, of them from the dump, and kept as Parquet
    dump_trades: int = 0
    trades_written: int = 0
    trade_files: list[str] = []
    comparisons: dict[str, ComparisonReport] = {}  # rebuilder, per timeframe: against Kraken's OHLC
    dump_comparisons: dict[str, ComparisonReport] = {}  # rebuilder, per timeframe: against the OHLCVT dump


class BatchWritten(Payload):
    """A candle batch is merged into its partitions and recorded in the coverage ledger. Sent by the writer."""

    type: Literal["batch.written"] = tag("batch.written")
    batch_id: str
    rows: int
    source: Source
    timeframe: str
    start_timestamp: str | None = None  # the first and last candle's open time; None for an empty batch
    end_timestamp: str | None = None
    partitions: list[PartitionWritten]
    comparison: ComparisonReport | None = None  # with the candles already stored there
    seam_rows: int = 0  # of rows, those outside the batch's counted range: its neighbour counts them
    instance: str | None = None  # the writer replica that wrote it (INSTANCE_ID)


class JobCompleted(Payload):
    """Every announced batch is written and every child has completed. Sent by coverage."""

    type: Literal["job.completed"] = tag("job.completed")
    result: JobResult


class JobFailed(Payload):
    """Sent by any service that gives up on the job, and by coverage when a child rebuild did not complete."""

    type: Literal["job.failed"] = tag("job.failed")
    error: str


class JobCancelled(Payload):
    """Asked for over the API (the job's children too). Sent by the api; by the fetcher for a batch's child
    it stored while the batch was being cancelled."""

    type: Literal["job.cancelled"] = tag("job.cancelled")


class JobResumed(Payload):
    """A failed or cancelled job resumed by a new job. In both jobs' logs, by the api: the old one names
    the job that resumed it (and is not resumed again), the new one the job it resumes."""

    type: Literal["job.resumed"] = tag("job.resumed")
    resumed_from: UUID
    resumed_by: UUID


class ChildOutcome(Payload):
    child_id: UUID
    status: str  # the child's final status
    result: JobResult


class ChildCompleted(ChildOutcome):
    """A child rebuild completed; its result counts towards the parent's. In the parent's log, by coverage."""

    type: Literal["child.completed"] = tag("child.completed")


class ChildEnded(ChildOutcome):
    """A child rebuild failed or was cancelled; job.failed follows. In the parent's log, by coverage."""

    type: Literal["child.ended"] = tag("child.ended")


class ChildProgress(Payload):
    """A child of a batch, or a planned fetch's child rebuild, started or got another twentieth further.
    In the parent's log, by coverage, so the parent's stream shows its progress weighted by its children's."""

    type: Literal["child.progress"] = tag("child.progress")
    child_id: UUID
    status: str
    progress: float  # 0..1, the child's own


class BatchChild(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: UUID
    key: str  # names its work within the batch (shared/planning/batch.py)
    job_type: Literal["fetch", "trade_rebuild"]
    symbol: str
    timeframes: list[str]  # the first is the job's own
    start_timestamp: str
    end_timestamp: str
    calls: int
    rows: int
    seconds: float
    weight: int  # its share of the batch's progress
    trades_covered: list[tuple[str, str]] = []  # fetch: the parts whose trades a rebuild of the batch builds
    done_by: UUID | None = None  # completed already by this job of the batch that was resumed: not run again


class ChildrenPlanned(Payload):
    """A batch's children as planned, made once per batch. Sent by the fetcher."""

    type: Literal["children.planned"] = tag("children.planned")
    children: list[BatchChild]
    totals: dict[str, Any]  # children, by_job_type, calls, rows, seconds
