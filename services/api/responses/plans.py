"""What a dry run answers (POST /api/data-jobs with options.dry_run): a fetch job's plan, segment by
segment (shared/planning/summary.py), or a rebuild's estimate (shared/planning/cost.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from services.api.responses.base import Answer, Time

SegmentKind = Literal["covered", "zip", "rest", "trades"]


class PlanSegment(Answer):
    kind: SegmentKind = Field(description="covered: in the lake already; zip: the OHLCVT dump; rest: one OHLC"
                                          " call; trades: a child rebuild from Kraken's trades")
    start_timestamp: Time
    end_timestamp: Time
    fetch_start_timestamp: Time = Field(description="with the candle fetched across each seam")
    fetch_end_timestamp: Time
    calls: int
    rows: int
    seconds: float = Field(description="at the rate limit")
    dump: str | None
    member: str | None
    note: str


class KindTotals(Answer):
    calls: int
    rows: int
    seconds: float
    segments: int


class PlanTotals(Answer):
    calls: int
    rows: int
    seconds: float
    by_kind: dict[SegmentKind, KindTotals]


class PlanSummary(Answer):
    segments: list[PlanSegment]
    totals: PlanTotals


class DumpPart(Answer):
    """The part of the range a trading-history dump holds: read locally, no call."""

    start_timestamp: Time
    end_timestamp: Time
    calls: Literal[0]


class RebuildEstimate(Answer):
    trades: int
    calls: int
    seconds: float
    start_timestamp: Time = Field(description="where the Trades API takes over")
    end_timestamp: Time
    density_per_hour: float = Field(description="trades per hour, sampled with one Trades page near each end")
    sampled_calls: int
    dump_part: DumpPart | None


class DryRun(Answer):
    dry_run: Literal[True]
    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: Time
    end_timestamp: Time
    calls: int = Field(description="Kraken calls the job would make")
    needs_confirm: bool = Field(description="above REBUILD_CONFIRM_CALLS: submit it with options.confirm")


class FetchDryRun(DryRun):
    """A fetch job's plan; nothing is created."""

    job_type: Literal["fetch"]
    plan: PlanSummary


class RebuildDryRun(DryRun):
    """A trade rebuild's estimate; nothing is created."""

    job_type: Literal["trade_rebuild"]
    estimate: RebuildEstimate


class BatchChildPlan(Answer):
    job_type: Literal["fetch", "trade_rebuild"]
    symbol: str
    timeframes: list[str] = Field(description="the first is the job's own; a rebuild builds the others in the same pass")
    start_timestamp: Time
    end_timestamp: Time
    calls: int
    rows: int
    seconds: float
    weight: int = Field(description="its share of the batch's progress")


class BatchTotals(Answer):
    children: int
    by_job_type: dict[str, int]
    calls: int
    rows: int
    seconds: float


class BatchDryRun(DryRun):
    """A batch's children: a fetch per market, timeframe and piece of the range (within MAX_RANGE_DAYS),
    and per market one rebuild of the trades its timeframes share; nothing is created."""

    job_type: Literal["batch"]
    symbols: list[str]
    timeframes: list[str]
    children: list[BatchChildPlan]
    totals: BatchTotals


DryRunAnswer = Annotated[FetchDryRun | RebuildDryRun | BatchDryRun, Field(discriminator="job_type")]
DRY_RUN = TypeAdapter(DryRunAnswer)
