"""The job request and its checks against the metadata tables (the seed's validation rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import asyncpg
from pydantic import AwareDatetime, BaseModel, ConfigDict

from services.api.errors import ApiError
from shared.settings import Settings

# Clocks differ a little between client and server; a range ending this far ahead is still "now".
CLOCK_SKEW_S = 5


class JobOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed_from_zip: bool = True
    full_history: bool = False
    # trade_rebuild only: more timeframes built in the same pass, and what an empty bucket becomes.
    timeframes: list[str] = []
    empty_buckets: Literal["sparse", "fill"] = "sparse"


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: AwareDatetime
    end_timestamp: AwareDatetime
    job_type: Literal["fetch", "trade_rebuild"] = "fetch"
    options: JobOptions = JobOptions()


async def check_metadata(pool: asyncpg.Pool, req: JobRequest) -> None:
    source = await pool.fetchrow("SELECT timeframes FROM data_sources WHERE id = $1 AND enabled", req.exchange)
    if source is None:
        known = [r["id"] for r in await pool.fetch("SELECT id FROM data_sources WHERE enabled ORDER BY id")]
        raise ApiError(422, "exchange", f"unknown exchange {req.exchange!r}; known: {', '.join(known)}")
    market = await pool.fetchrow("SELECT enabled FROM markets WHERE exchange = $1 AND symbol = $2",
                                 req.exchange, req.symbol)
    if market is None:
        raise ApiError(422, "symbol", f"unknown pair {req.symbol!r} on {req.exchange}; see GET /api/markets")
    if not market["enabled"]:
        raise ApiError(422, "symbol", f"pair {req.symbol!r} is known but not enabled on {req.exchange}")
    for field, timeframe in [("timeframe", req.timeframe), *(("options.timeframes", t) for t in req.options.timeframes)]:
        if timeframe not in source["timeframes"]:
            raise ApiError(422, field, f"unknown timeframe {timeframe!r}; allowed: {', '.join(source['timeframes'])}")
    if req.job_type == "fetch" and (req.options.timeframes or req.options.empty_buckets != "sparse"):
        raise ApiError(422, "options.timeframes", "timeframes and empty_buckets apply to trade_rebuild jobs only")


def check_range(req: JobRequest, settings: Settings, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if req.end_timestamp <= req.start_timestamp:
        raise ApiError(422, "end_timestamp", "must be after start_timestamp")
    if (req.end_timestamp - now).total_seconds() > CLOCK_SKEW_S:
        raise ApiError(422, "end_timestamp", f"is in the future (now is {now:%Y-%m-%dT%H:%M:%SZ})")
    days = (req.end_timestamp - req.start_timestamp).total_seconds() / 86_400
    limit = settings.max_range_days.get(req.timeframe)
    if limit is not None and days > limit:
        raise ApiError(422, "end_timestamp",
                       f"the range is {days:.0f} days; the maximum for {req.timeframe} is {limit} days."
                       f" Split it into {int(days // limit) + 1} jobs of at most {limit} days each")
    if req.options.full_history:
        raise ApiError(422, "options.full_history", "full history is not available yet; give start_timestamp")
