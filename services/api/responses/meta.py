"""Exchanges, markets, what is stored (coverage rows with the ledger's intervals), the cached dump
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


class CoverageRow(Answer):
    """What is stored for one exchange, symbol and timeframe, with the coverage ledger's intervals."""

    exchange: str
    symbol: str
    timeframe: str
    start_timestamp: Time | None
    end_timestamp: Time | None
    rows: int
    last_job_id: UUID | None
    last_sync_at: Time | None
    validated_at: Time | None = Field(description="when a validation of this timeframe last passed")
    intervals: list[LedgerInterval]


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
