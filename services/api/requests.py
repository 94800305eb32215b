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


# The most markets or timeframes one request may list; BATCH_MAX_PAIRS caps their product.
MAX_LISTED = 50


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exchange: Name
    # One market and timeframe, or (a batch, README "Batch requests") lists of them: not both.
    symbol: Name | None = None
    timeframe: Name | None = None
    symbols: Annotated[list[Name], Field(min_length=1, max_length=MAX_LISTED)] | None = None
    timeframes: Annotated[list[Name], Field(min_length=1, max_length=MAX_LISTED)] | None = None
    start_timestamp: Timestamp | None = None
    end_timestamp: Timestamp | None = None
    job_type: Literal["fetch", "trade_rebuild"] = "fetch"
    options: JobOptions = JobOptions()

    @property
    def markets(self) -> list[str]:
        return self.symbols or [self.symbol or ""]

    @property
    def asked_timeframes(self) -> list[str]:
        return self.timeframes or [self.timeframe or ""]

    @property
    def lists(self) -> bool:
        """Several markets or timeframes asked for: a batch, however short its range."""
        return self.symbols is not None or self.timeframes is not None

    def single(self, symbol: str, timeframe: str) -> JobRequest:
        """The request for one of a batch's markets and timeframes."""
        return self.model_copy(update={"symbol": symbol, "timeframe": timeframe, "symbols": None, "timeframes": None})


def check_lists(req: JobRequest, settings: Settings) -> None:
    """symbol or symbols, timeframe or timeframes: one of each, no repeats, a batch within its cap."""
    for one, many in (("symbol", "symbols"), ("timeframe", "timeframes")):
        given, listed = getattr(req, one), getattr(req, many)
        if given is not None and listed is not None:
            raise ApiError(422, many, f"give {one} or {many}, not both")
        if given is None and listed is None:
            raise ApiError(422, one, f"is required (or {many}, a list)")
        if listed is not None and len(set(listed)) < len(listed):
            twice = next(v for i, v in enumerate(listed) if v in listed[:i])
            raise ApiError(422, many, f"lists {twice!r} twice")
    if req.lists and req.job_type != "fetch":
        raise ApiError(422, "symbols" if req.symbols is not None else "timeframes",
                       "a batch is made of fetch jobs; a trade_rebuild takes options.timeframes")
    if req.lists and req.options.refresh:
        raise ApiError(422, "options.refresh", "cannot be combined with symbols or timeframes")
    size = len(req.markets) * len(req.asked_timeframes)
    if size > settings.batch_max_pairs:
        raise ApiError(422, "symbols" if req.symbols is not None else "timeframes",
                       f"{len(req.markets)} market(s) × {len(req.asked_timeframes)} timeframe(s) = {size}; a batch"
                       f" takes at most {settings.batch_max_pairs} (BATCH_MAX_PAIRS): split it")


async def check_metadata(pool: asyncpg.Pool, req: JobRequest) -> None:
    source = await pool.fetchrow("SELECT timeframes FROM data_sources WHERE id = $1 AND enabled", req.exchange)
    if source is None:
        known = [r["id"] for r in await pool.fetch("SELECT id FROM data_sources WHERE enabled ORDER BY id")]
        raise ApiError(422, "exchange", f"unknown exchange {req.exchange!r}; known: {', '.join(known)}")
    for field, symbol in _named("symbol", req.symbol, req.symbols):
        market = await pool.fetchrow("SELECT enabled FROM markets WHERE exchange = $1 AND symbol = $2",
                                     req.exchange, symbol)
        if market is None:
            raise ApiError(422, field, f"unknown pair {symbol!r} on {req.exchange}; see GET /api/markets")
        if not market["enabled"]:
            raise ApiError(422, field, f"pair {symbol!r} is known but not enabled on {req.exchange}")
    for field, timeframe in [*_named("timeframe", req.timeframe, req.timeframes),
                             *(("options.timeframes", t) for t in req.options.timeframes)]:
        if timeframe not in source["timeframes"]:
            raise ApiError(422, field, f"unknown timeframe {timeframe!r}; allowed: {', '.join(source['timeframes'])}")
    rebuild_only = [name for name, value in (("options.timeframes", req.options.timeframes),
                                             ("options.empty_buckets", req.options.empty_buckets != "sparse"),
                                             ("options.include_trades", req.options.include_trades)) if value]
    if req.job_type == "fetch" and rebuild_only:
        raise ApiError(422, rebuild_only[0], "applies to trade_rebuild jobs only")


def _named(one: str, given: str | None, listed: list[str] | None) -> list[tuple[str, str]]:
    """Each asked value with the field that names it: symbol, or symbols.0, symbols.1, ..."""
    return [(f"{one}s.{i}", v) for i, v in enumerate(listed)] if listed is not None else [(one, given or "")]


def check_shape(req: JobRequest) -> None:
    """Which of start/end may be left out: start with full_history or refresh, end with refresh."""
    if req.start_timestamp is None and not (req.options.full_history or req.options.refresh):
        raise ApiError(422, "start_timestamp", "is required unless options.full_history or options.refresh is set")
    if req.end_timestamp is None and not req.options.refresh:
        raise ApiError(422, "end_timestamp", "is required unless options.refresh is set")
    if req.options.full_history and req.options.refresh:
        raise ApiError(422, "options.refresh", "cannot be combined with options.full_history")


def too_long(req: JobRequest, settings: Settings, start: datetime, end: datetime) -> bool:
    """A fetch longer than its timeframe's MAX_RANGE_DAYS becomes a batch of pieces within it."""
    limit = settings.max_range_days.get(req.timeframe or "")
    return req.job_type == "fetch" and limit is not None and (end - start).total_seconds() / 86_400 > limit


def check_range(req: JobRequest, settings: Settings, start: datetime, end: datetime,
                now: datetime | None = None, *, batch: bool = False) -> None:
    """The range's order and end; its length too, unless it is a batch's (split within the limit)."""
    now = now or datetime.now(UTC)
    if end <= start:
        raise ApiError(422, "end_timestamp", "must be after start_timestamp")
    if (end - now).total_seconds() > CLOCK_SKEW_S:
        raise ApiError(422, "end_timestamp", f"is in the future (now is {iso(now)})")
    days = (end - start).total_seconds() / 86_400
    limit = settings.max_range_days.get(req.timeframe or "")
    if not batch and limit is not None and days > limit:
        raise ApiError(422, "end_timestamp",
                       f"the range is {days:.0f} days; the maximum for {req.timeframe} ({req.job_type}) is {limit}"
                       f" days. Split it into {int(days // limit) + 1} jobs of at most {limit} days each")
