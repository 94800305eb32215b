"""The quality report of an export: the conventions of its rows, the validation summary of its
(exchange, symbol, timeframe), and the coverage ledger's intervals over its range.

It travels with the file: in the Parquet key-value metadata under `candles.quality`, and as a sidecar
JSON (`report.model_dump_json()`), the only form a CSV gets. The report is built from PostgreSQL alone
(the ledger and the latest validation), never from the candles, so it costs the same whatever the range."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import asyncpg
from pydantic import BaseModel, Field

from shared.lake.timeframes import iso
from shared.ledger import store as ledger_store
from shared.ledger.intervals import Interval, listing

METADATA_KEY = b"candles.quality"
SCHEMA_VERSION = 1


class Conventions(BaseModel):
    """What a row, a column and an absent row mean: stated in the export itself."""

    ts: str = "the candle's open time, UTC, in milliseconds since the Unix epoch; buckets are epoch-aligned"
    source: dict[str, str] = {
        "zip": "from Kraken's official OHLCVT dump (no vwap)",
        "trades": "rebuilt here from Kraken's raw trades (the trading-history dump or the Trades API)",
        "rest": "from Kraken's REST OHLC endpoint (its newest 720 candles)",
    }
    missing_row: str = ("a bucket with no row had no trades where the ledger says `no_trades` (or `data`: the"
                        " buckets between candles of a data interval are confirmed empty); where the ledger says"
                        " `missing` nothing is known")
    empty_buckets: str = ("sparse: a bucket without trades has no row, as in Kraken's dump; fill: it has a flat"
                          " row at the previous close with volume 0, vwap null and trades 0")
    nulls: str = "vwap and trades are null where the source does not give them (the OHLCVT dump has no vwap)"


class Span(BaseModel):
    start: str = Field(description="ISO-8601 UTC, inclusive")
    end: str = Field(description="ISO-8601 UTC, exclusive")


class LedgerSpan(Span):
    state: Literal["data", "no_trades", "missing"]
    source: str | None = Field(None, description="who vouched for it: zip | trades | rest")
    provisional: bool = Field(False, description="young REST candles Kraken may still revise")


class ValidationSummary(BaseModel):
    """The latest validation of stored candles of this (exchange, symbol, timeframe), if any."""

    validated_at: str | None = Field(None, description="when a validation of this timeframe last passed")
    job_id: str | None = Field(None, description="the job whose stored range the latest validation checked")
    status: str | None = None
    ok: bool | None = None
    start: str | None = Field(None, description="the range the latest validation checked")
    end: str | None = None
    rows: int | None = None
    failed: dict[str, int] = Field(default_factory=dict, description="candles failing each check")
    problems: list[dict[str, Any]] = Field(default_factory=list, description="the first failures")
    covers_range: bool = Field(False, description="the latest validation checked the whole of this range")
    updated_at: str | None = None


class QualityReport(BaseModel):
    schema_version: int = SCHEMA_VERSION
    exchange: str
    symbol: str
    timeframe: str
    start: str
    end: str
    empty_buckets: Literal["sparse", "fill"] = "sparse"
    conventions: Conventions = Field(default_factory=Conventions)
    validation: ValidationSummary
    intervals: list[LedgerSpan] = Field(description="the ledger over [start, end): data by source, no_trades,"
                                                    " and missing for what it does not hold")
    missing: list[Span] = Field(description="the parts of the range the ledger does not hold")
    complete: bool = Field(description="no part of the range is missing")


# The projection keeps each job's latest validation in details.validation (services/coverage/job_view.py);
# the newest one that reported on this timeframe is the summary.
_LATEST_VALIDATION = (
    "SELECT id, details->'validation' AS v FROM data_jobs WHERE exchange = $1 AND symbol = $2"
    " AND details->'validation'->'reports' ? $3"
    " ORDER BY details->'validation'->>'updated_at' DESC NULLS LAST LIMIT 1")
_VALIDATED_AT = "SELECT validated_at FROM stored_ranges WHERE exchange = $1 AND symbol = $2 AND timeframe = $3"


def ledger_spans(known: list[Interval], start_ms: int, end_ms: int) -> list[LedgerSpan]:
    """The ledger inside [start, end), every hole (or an empty ledger) shown as missing. Pure."""
    shown = listing(known, start_ms, end_ms) if known else [Interval(start_ms, end_ms, "missing")]
    return [LedgerSpan(start=iso(i.start_ms), end=iso(i.end_ms), state=i.state,
                       source=i.source if i.state != "missing" else None, provisional=i.provisional)
            for i in shown if i.start_ms < i.end_ms]


def validation_summary(validated_at: datetime | None, job_id: str | None, latest: dict | None,
                       timeframe: str, start: str, end: str) -> ValidationSummary:
    """Pure: the summary from what the database holds."""
    summary = ValidationSummary(validated_at=iso(validated_at) if validated_at else None)
    if not latest:
        return summary
    report = (latest.get("reports") or {}).get(timeframe) or {}
    summary.job_id, summary.status, summary.updated_at = job_id, latest.get("status"), latest.get("updated_at")
    summary.ok, summary.rows = report.get("ok"), report.get("rows")
    summary.start, summary.end = report.get("start_timestamp"), report.get("end_timestamp")
    summary.failed, summary.problems = report.get("failed") or {}, report.get("problems") or []
    # ISO_FORMAT strings of one format compare as their moments do.
    summary.covers_range = bool(summary.start and summary.end and summary.start <= start and summary.end >= end)
    return summary


async def quality_report(pool: asyncpg.Pool | asyncpg.Connection, exchange: str, symbol: str, timeframe: str,
                         start_ms: int, end_ms: int, *,
                         empty_buckets: Literal["sparse", "fill"] = "sparse") -> QualityReport:
    known = await ledger_store.load(pool, exchange, symbol, timeframe, start_ms, end_ms)
    validated_at = await pool.fetchval(_VALIDATED_AT, exchange, symbol, timeframe)
    row = await pool.fetchrow(_LATEST_VALIDATION, exchange, symbol, timeframe)
    latest = row["v"] if row else None  # jsonb is decoded by the pool's codec
    start, end = iso(start_ms), iso(end_ms)
    spans = ledger_spans(known, start_ms, end_ms)
    missing = [Span(start=s.start, end=s.end) for s in spans if s.state == "missing"]
    return QualityReport(
        exchange=exchange, symbol=symbol, timeframe=timeframe, start=start, end=end, empty_buckets=empty_buckets,
        validation=validation_summary(validated_at, str(row["id"]) if row else None, latest, timeframe, start, end),
        intervals=spans, missing=missing, complete=not missing)


def parquet_metadata(report: QualityReport) -> dict[bytes, bytes]:
    """The Parquet key-value metadata of an export: the report as JSON under `candles.quality`."""
    return {METADATA_KEY: report.model_dump_json().encode()}
