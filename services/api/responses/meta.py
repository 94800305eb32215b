"""Exchanges, markets, what is stored (coverage rows with their timelines, the ledger's intervals), the cached dump
files, health and readiness, and the event type names."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from services.api.responses.base import Answer, Time
from shared.jobs.commands import Source
from shared.jobs.events.catalog import EVENT_TYPES

EventType = Literal[EVENT_TYPES]


class Exchange(Answer):
    id: str
    name: str
    timeframes: list[str]


class Market(Answer):
    symbol: str = Field(description="the unified label, e.g. BTC/USD")
    exchange_id: str = Field(description="the exchange's own id, e.g. XXBTZUSD")
    altname: str | None = Field(description="e.g. XBTUSD, as the dump files name it")
    wsname: str | None
    base: str | None
    quote: str | None
    active: bool
    enabled: bool = Field(description="takes jobs (ENABLED_MARKETS)")


class LedgerInterval(Answer):
    start_timestamp: Time
    end_timestamp: Time = Field(description="exclusive")
    state: Literal["data", "no_trades", "missing"]
    source: Source | None = Field(description="data: who vouched for the candles")
    provisional: bool = Field(description="young REST candles Kraken may still revise")


class TimelineSegment(Answer):
    """A stretch of a coverage row's timeline: one ledger interval, or several short ones merged."""

    start_timestamp: Time
    end_timestamp: Time = Field(description="exclusive")
    state: Literal["data", "no_trades", "missing"] = Field(description="merged: the state of most of its time")
    source: Source | None
    provisional: bool
    stretches: int = Field(description="ledger intervals (and holes) shown as this segment; 1 = exact")
    shares: dict[str, float] = Field(description="merged: each state's (or state:source's) share of its time")


class CoverageRow(Answer):
    """What is stored for one exchange, symbol and timeframe, with its ledger summarised as a timeline of
    at most a few hundred segments (the whole listing: intervals_url)."""

    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: Time | None
    end_timestamp: Time | None
    rows: int
    last_job_id: UUID | None
    last_sync_at: Time | None
    validated_at: Time | None = Field(description="when a validation of this timeframe last passed; cleared"
                                                  " when new candles land in the row")
    timeline: list[TimelineSegment] = Field(description="from the first to the last stored candle")
    merged_stretches: int = Field(description="ledger intervals shown inside merged segments")
    missing_stretches: int = Field(description="stretches of the row the ledger does not hold")
    intervals_url: str = Field(description="the ledger's whole listing, paginated")


class IntervalsPage(Answer):
    """The coverage ledger's intervals of one timeframe, in order, holes shown as missing."""

    intervals: list[LedgerInterval]
    next: str | None = Field(description="the URL of the next page; null on the last")


class DumpMember(Answer):
    member: str = Field(description="e.g. XBTUSD_60.csv")
    altname: str
    minutes: int | None = Field(description="the candles' timeframe; null for trading-history members")
    first_timestamp: Time | None
    last_timestamp: Time | None = Field(description="open time of the last row")
    rows: int | None


class DumpFile(Answer):
    kind: str = Field(description="ohlcvt or trades")
    name: str
    sha256: str
    size: int
    cached_at: Time
    members: list[DumpMember]


class Health(Answer):
    status: Literal["ok"]


Check = Literal["ok", "unavailable"]


class ReadinessChecks(Answer):
    postgres: Check
    nats: Check


class Readiness(Answer):
    """200 when every dependency answers, else 503; which one is down, never why."""

    status: Literal["ready", "not ready"]
    checks: ReadinessChecks


class EventTypes(Answer):
    types: list[EventType]
    terminal: list[EventType] = Field(description="the types that end a job")
