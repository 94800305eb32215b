"""Typed messages on the work queues. The pydantic model is the schema; producers may add fields."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

JobType = Literal["fetch", "trade_rebuild"]
Source = Literal["zip", "rest", "trades"]  # where a batch's candles came from

JOB_SUBJECTS: dict[str, str] = {"fetch": "jobs.fetch", "trade_rebuild": "jobs.trade_rebuild"}
CANDLES_SUBJECT = "candles.write"
VALIDATE_SUBJECT = "jobs.validate"


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")


class JobCommand(Message):
    """Work for the fetcher or the rebuilder. The range is [start_ms, end_ms): candle open times."""

    job_id: UUID
    job_type: JobType = "fetch"
    parent_id: UUID | None = None
    exchange: str
    symbol: str
    timeframe: str
    start_ms: int
    end_ms: int
    options: dict = {}

    @property
    def timeframes(self) -> list[str]:
        """Every timeframe the job writes: its own, then a rebuild's extra ones (options.timeframes)."""
        return list(dict.fromkeys([self.timeframe, *self.options.get("timeframes", [])]))


class ValidateCommand(Message):
    """A validation of what a job stored, for the coverage service: each timeframe over [start_ms, end_ms).
    validation_id is the message id, so a request published twice is validated once."""

    job_id: UUID
    validation_id: UUID
    exchange: str
    symbol: str
    timeframes: list[str]
    start_ms: int
    end_ms: int


class CandleBatch(Message):
    """Candles for the writer, column by column. batch_id is deterministic within a job, so a batch
    published twice is one batch."""

    job_id: UUID
    batch_id: str
    exchange: str
    symbol: str
    timeframe: str
    source: Source
    ts: list[int] = []
    open: list[float] = []
    high: list[float] = []
    low: list[float] = []
    close: list[float] = []
    volume: list[float] = []
    vwap: list[float | None] = []
    trades: list[int | None] = []
    # Large batches (a year of dump candles) travel as a Parquet file in the object store, named
    # here, instead of inline columns: a NATS message stays small whatever the batch holds.
    staged: str | None = None
    staged_rows: int = 0
    # The producer vouches for [span_start_ms, span_end_ms): every candle there is in this batch, and
    # every bucket there without one had no trades. The writer records it in the coverage ledger.
    span_start_ms: int | None = None
    span_end_ms: int | None = None
    # REST candles opening at or after this (by Kraken's clock) may still be revised: provisional.
    provisional_from_ms: int | None = None
    # The part of the job's range this batch's candles count towards in the job's rows. A candle
    # outside it was fetched one bucket past a seam to meet the neighbouring segment, which counts it.
    counted_from_ms: int | None = None
    counted_to_ms: int | None = None

    def __len__(self) -> int:
        return self.staged_rows if self.staged else len(self.ts)
