"""Rows of the metadata tables in the JSON shapes of the HTTP API (README, "HTTP API")."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.lake.timeframes import iso
from shared.ledger.intervals import Interval


def ts(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


# What a listing shows, and so all it reads: never the JSON columns (details, result) of 500 jobs.
SUMMARY_COLUMNS = ("id, job_type, status, exchange, symbol, timeframe, start_ts, end_ts, progress, submitted_at,"
                   " finished_at")


def job_summary(row: asyncpg.Record) -> dict:
    return {
        "id": str(row["id"]), "job_type": row["job_type"], "status": row["status"],
        "exchange": row["exchange"], "symbol": row["symbol"], "timeframe": row["timeframe"],
        "start_timestamp": ts(row["start_ts"]), "end_timestamp": ts(row["end_ts"]),
        "progress": round(row["progress"], 4), "submitted_at": ts(row["submitted_at"]),
        "finished_at": ts(row["finished_at"]),
    }


def job_view(row: asyncpg.Record) -> dict:
    details = row["details"] or {}
    result = row["result"] or {}
    return job_summary(row) | {
        "parent_id": str(row["parent_id"]) if row["parent_id"] else None,
        "options": row["options"],
        "details": {
            "last_timestamp": details.get("last_timestamp"),
            "batches_completed": details.get("batches_completed", 0),
            "messages": details.get("messages", []),
        },
        "result": {
            "rows": result.get("rows", 0),
            "start_timestamp": result.get("start_timestamp"),
            "end_timestamp": result.get("end_timestamp"),
            "artifacts": result.get("artifacts", []),
            "not_fetched": result.get("not_fetched", []),
            "no_trade_intervals": result.get("no_trade_intervals", 0),
            "exchange_calls": result.get("exchange_calls", 0),
            "comparisons": result.get("comparisons"),
            "plan": result.get("plan"),
            "children": result.get("children", []),
        },
        "error": row["error"],
        "validation": details.get("validation"),
        "started_at": ts(row["started_at"]),
        "events_seq": row["last_event_seq"],
    }


def coverage_view(row: asyncpg.Record) -> dict:
    return {
        "exchange": row["exchange"], "symbol": row["symbol"], "timeframe": row["timeframe"],
        "start_timestamp": ts(row["start_ts"]), "end_timestamp": ts(row["end_ts"]), "rows": row["rows"],
        "last_job_id": str(row["last_job_id"]) if row["last_job_id"] else None,
        "last_sync_at": ts(row["last_sync_at"]), "validated_at": ts(row["validated_at"]),
    }


def interval_view(interval: Interval) -> dict:
    return {"start_timestamp": iso(interval.start_ms), "end_timestamp": iso(interval.end_ms),
            "state": interval.state, "source": interval.source, "provisional": interval.provisional}
