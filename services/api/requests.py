"""The job request and its checks against the metadata tables (README, "HTTP API": what is refused and why)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import asyncpg
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from services.api.errors import ApiError
from services.api.params import Name
from shared.lake.timeframes import iso
from shared.platform.settings import Settings

# Clocks differ a little between client and server; a range ending this far ahead is still "now".
CLOCK_SKEW_S = 5


# Kraken's markets opened in 2013; a time outside these bounds is a typo, and a far one (year 1 with an
# offset) would not even convert to UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _utc_within_bounds(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("is outside the supported range") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return utc


Timestamp = Annotated[AwareDatetime, AfterValidator(_utc_within_bounds)]


class JobOptions(BaseModel):
    # Strict booleans: "yes" or 1 is a mistake to report, not a true to guess.
    model_config = ConfigDict(extra="forbid")

    seed_from_zip: StrictBool = True
    # Start at the market's first known candle (the dump's first row, or the first trade).
    full_history: StrictBool = False
    # Fetch from where the stored data ends up to now (start_timestamp and end_timestamp optional).
    refresh: StrictBool = False
    # Return the plan and its cost without running anything.
    dry_run: StrictBool = False
    # Run a job whose estimated cost is above the configured limit.
    confirm: StrictBool = False
    # trade_rebuild only: more timeframes built in the same pass, what an empty bucket becomes, and
    # whether the raw trades are kept as Parquet too.
    timeframes: Annotated[list[Name], Field(max_length=9)] = []
    empty_buckets: Literal["sparse", "fill"] = "sparse"
    include_trades: StrictBool = False


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exchange: Name
    symbol: Name
    timeframe: Name
    start_timestamp: Timestamp | None = None
    end_timestamp: Timestamp | None = None
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
    rebuild_only = [name for name, value in (("options.timeframes", req.options.timeframes),
                                             ("options.empty_buckets", req.options.empty_buckets != "sparse"),
                                             ("options.include_trades", req.options.include_trades)) if value]
    if req.job_type == "fetch" and rebuild_only:
        raise ApiError(422, rebuild_only[0], "applies to trade_rebuild jobs only")


def check_shape(req: JobRequest) -> None:
    """Which of start/end may be left out: start with full_history or refresh, end with refresh."""
    if req.start_timestamp is None and not (req.options.full_history or req.options.refresh):
        raise ApiError(422, "start_timestamp", "is required unless options.full_history or options.refresh is set")
    if req.end_timestamp is None and not req.options.refresh:
        raise ApiError(422, "end_timestamp", "is required unless options.refresh is set")
    if req.options.full_history and req.options.refresh:
        raise ApiError(422, "options.refresh", "cannot be combined with options.full_history")


def check_range(req: JobRequest, settings: Settings, start: datetime, end: datetime,
                now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if end <= start:
        raise ApiError(422, "end_timestamp", "must be after start_timestamp")
    if (end - now).total_seconds() > CLOCK_SKEW_S:
        raise ApiError(422, "end_timestamp", f"is in the future (now is {iso(now)})")
    days = (end - start).total_seconds() / 86_400
    limit = settings.max_range_days.get(req.timeframe)
    if limit is not None and days > limit:
        raise ApiError(422, "end_timestamp",
                       f"the range is {days:.0f} days; the maximum for {req.timeframe} is {limit} days."
                       f" Split it into {int(days // limit) + 1} jobs of at most {limit} days each")
