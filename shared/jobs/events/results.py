"""The parts that event payloads share: a stretch not fetched, a partition written, and a job's result
(what job.completed and child.completed carry, and what GET /api/data-jobs/{id} serves as `result`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# A comparison of two sets of candles (shared/lake/comparison.py): compared, matched, differing,
# max_rel_diff, differences, and for rebuilt candles only_rebuilt / only_kraken.
ComparisonReport = dict[str, Any]


class Part(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NotFetched(Part):
    """A stretch of the asked range that no source could give, and why."""

    start_timestamp: str
    end_timestamp: str
    reason: str


class PartitionWritten(Part):
    """One year partition a batch was merged into."""

    year: int
    rows: int  # rows in the partition after the merge
    artifact: str  # the partition's URI
    changed: bool  # false when the batch added nothing new (a redelivery)


class Artifact(Part):
    type: Literal["parquet"] = "parquet"
    path: str


class ResultComparisons(Part):
    with_stored: ComparisonReport | None = None  # at the seams with candles already in the lake
    with_kraken_ohlc: dict[str, ComparisonReport] = {}  # per timeframe
    with_ohlcvt_dump: dict[str, ComparisonReport] = {}  # per timeframe


class JobResult(Part):
    """A job's result so far: a job that has written nothing yet has the defaults."""

    rows: int = 0
    start_timestamp: str | None = None
    end_timestamp: str | None = None  # open time of the last candle
    artifacts: list[Artifact] = []
    not_fetched: list[NotFetched] = []
    no_trade_intervals: int = 0
    exchange_calls: int = 0
    comparisons: ResultComparisons = ResultComparisons()
    plan: dict[str, Any] | None = None  # the job.planned segments and totals
    children: list[dict[str, Any]] = []  # per child rebuild {id, status, progress, rows once completed}; a batch: its children
