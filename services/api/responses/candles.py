"""What GET /api/candles answers with format=json: the range it covers, bounded by what the lake holds,
and its candles as the lake stores them (README, "The lake"; times ISO 8601 UTC)."""

from __future__ import annotations

from pydantic import Field

from services.api.responses.base import Answer, Time
from shared.exports.report import QualityReport
from shared.jobs.commands import Source


class CandleRow(Answer):
    ts: str = Field(description="the candle's open time, ISO 8601 UTC")
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float | None = Field(description="null where unknown: the OHLCVT dump has none")
    trades: int | None = Field(description="null where unknown")
    source: Source


class CandlesAnswer(Answer):
    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: Time | None = Field(description="the range answered: the one asked for, within what the"
                                                     " lake holds (null when it holds nothing there)")
    end_timestamp: Time | None = Field(description="exclusive")
    quality: QualityReport = Field(description="the quality report of the range: conventions, the validation"
                                               " summary and the ledger's intervals")
    # Last: the body is streamed, and everything before the candles is sent first.
    candles: list[CandleRow]
