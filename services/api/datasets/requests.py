"""POST /api/datasets: the request and its checks against the metadata tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from services.api.errors import ApiError
from services.api.params import Name
from services.api.requests import CLOCK_SKEW_S, Timestamp
from shared.lake.timeframes import MINUTES, iso, millis, to_ms
from shared.platform.settings import Settings

MAX_SYMBOLS = 10
MAX_TIMEFRAMES = len(MINUTES)


class DatasetOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # sparse: a bucket without trades has no row (as in the lake); fill: a flat row (shared/exports/snapshot.py).
    empty_buckets: Literal["sparse", "fill"] = "sparse"
    # complete: refuse a range the ledger does not wholly hold (409, with the plan that would complete it).
    require: Literal["complete", "any"] = "complete"


class DatasetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="a label: the same content under another name is the same dataset")
    exchange: Name
    symbols: Annotated[list[Name], Field(min_length=1, max_length=MAX_SYMBOLS)]
    timeframes: Annotated[list[Name], Field(min_length=1, max_length=MAX_TIMEFRAMES)]
    start_timestamp: Timestamp
    end_timestamp: Timestamp
    options: DatasetOptions = DatasetOptions()

    def canonical_symbols(self) -> list[str]:
        return sorted(set(self.symbols))

    def canonical_timeframes(self) -> list[str]:
        # Known ones by length; a repeated one once (an unknown one is refused before this matters).
        return sorted(set(self.timeframes), key=lambda t: (MINUTES.get(t, 0), t))


def bucket_range(timeframe: str, start: datetime, end: datetime) -> tuple[int, int]:
    """The whole buckets of the timeframe inside [start, end): a file never holds a part of a bucket."""
    step = millis(timeframe)
    return -(-to_ms(start) // step) * step, to_ms(end) // step * step


async def check_dataset(pool: asyncpg.Pool, settings: Settings, req: DatasetRequest) -> None:
    source = await pool.fetchrow("SELECT timeframes FROM data_sources WHERE id = $1 AND enabled", req.exchange)
    if source is None:
        raise ApiError(422, "exchange", f"unknown exchange {req.exchange!r}; see GET /api/exchanges")
    for i, symbol in enumerate(req.symbols):
        if not await pool.fetchval("SELECT 1 FROM markets WHERE exchange = $1 AND symbol = $2", req.exchange, symbol):
            raise ApiError(422, f"symbols.{i}", f"unknown pair {symbol!r} on {req.exchange}; see GET /api/markets")
    for i, timeframe in enumerate(req.timeframes):
        if timeframe not in source["timeframes"]:
            raise ApiError(422, f"timeframes.{i}", f"unknown timeframe {timeframe!r}; allowed:"
                                                  f" {', '.join(source['timeframes'])}")
    start, end = req.start_timestamp, req.end_timestamp
    if end <= start:
        raise ApiError(422, "end_timestamp", "must be after start_timestamp")
    now = datetime.now(UTC)
    if (end - now).total_seconds() > CLOCK_SKEW_S:
        raise ApiError(422, "end_timestamp", f"is in the future (now is {iso(now)})")
    days = (end - start).total_seconds() / 86_400
    for timeframe in req.timeframes:
        limit = settings.max_range_days.get(timeframe)
        if limit is not None and days > limit:
            raise ApiError(422, "end_timestamp", f"the range is {days:.0f} days; the maximum for {timeframe} is"
                                                 f" {limit} days")
        lo, hi = bucket_range(timeframe, start, end)
        if hi <= lo:
            raise ApiError(422, "end_timestamp", f"the range holds no whole {timeframe} bucket")
