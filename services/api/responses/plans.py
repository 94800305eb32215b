"""What a dry run answers (POST /api/data-jobs with options.dry_run): a fetch job's plan, segment by
segment (shared/planning/summary.py), or a rebuild's estimate (shared/planning/cost.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from services.api.responses.base import Answer, Time

SegmentKind = Literal["covered", "zip", "rest", "trades"]


class PlanSegment(Answer):
    kind: SegmentKind = Field(description="covered: in the lake already; zip: the OHLCVT dump; rest: one OHLC"
                                          " call; trades: a child rebuild from Kraken's trades (from a"
                                          " trading-history dump, named in `dump`, when it holds them)")
    start_timestamp: Time
    end_timestamp: Time
    fetch_start_timestamp: Time = Field(description="with the candle fetched across each seam")
    fetch_end_timestamp: Time
    calls: int
    rows: int
    seconds: float = Field(description="at the rate limit")
    dump: str | None = Field(description="the OHLCVT or trading-history dump file the segment reads")
    member: str | None
    note: str
    trades: int = Field(description="trades segments: the trades the Trades API pages through, counted from"
                                    " Kraken's own OHLC rows (0 for a dump)")


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


class DumpStretchPart(DumpPart):
    file: str


class RebuildEstimate(Answer):
    trades: int
    calls: int
    seconds: float
    start_timestamp: Time = Field(description="where the Trades API takes over (first)")
    end_timestamp: Time
    density_per_hour: float = Field(description="trades per hour over the part the Trades API pages")
    counted_from: list[str] = Field(description="the OHLC intervals whose trade counts the estimate read, finest"
                                                " first (1h, 1d, 1w, 15d)")
    ohlc_calls: int = Field(description="OHLC calls this estimate made: none when the kept counts reach")
    dump_part: DumpPart | None = Field(description="the part a trading-history dump holds from the start on")
    dump_parts: list[DumpStretchPart] = Field(description="every part trading-history dumps hold, wherever it lies")


class DryRun(Answer):
    dry_run: Literal[True]
    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: Time
    end_timestamp: Time
    calls: int = Field(description="Kraken calls the job would make")
    needs_confirm: bool = Field(description="above REBUILD_CONFIRM_CALLS: submit it with options.confirm")
    nothing_to_do: bool = Field(description="the lake holds the whole range already, or it holds no whole candle")
    message: str = Field(description="the plan in one line, or why there is nothing to do")


class FetchDryRun(DryRun):
    """A fetch job's plan; nothing is created."""

    job_type: Literal["fetch"]
    plan: PlanSummary
    count_calls: int = Field(description="OHLC calls made to count the trades segments' trades: none when the"
                                         " kept counts reach")


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
