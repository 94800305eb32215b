"""The chart of a coverage row or a job: candles as points, downsampled on the server."""

from __future__ import annotations

from pydantic import Field

from services.api.responses.base import Answer, Time


class Chart(Answer):
    exchange: str
    symbol: str
    timeframe: str = Field(description="the stored timeframe the points come from")
    start_timestamp: Time
    end_timestamp: Time = Field(description="exclusive")
    bucket_s: int = Field(description="seconds per point: the timeframe's, or a coarser one when downsampled")
    downsampled: bool
    points: list[tuple[int, float, float, float, float, float]] = Field(
        description="[time (s, the bucket's open, UTC), open, high, low, close, volume], in time order")
