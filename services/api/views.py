"""Rows of the metadata tables as the answers of the HTTP API (services/api/responses/; README, "HTTP API")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg

from services.api.responses.actions import DownloadLink, Downloads
from services.api.responses.base import answer
from services.api.responses.jobs import JobCreated, JobDetails, JobSummary, JobValidation, JobView
from services.api.responses.meta import (
    CoverageRow,
    DumpFile,
    DumpMember,
    IntervalsPage,
    LedgerInterval,
    TimelineSegment,
)
from shared.jobs.events.results import JobResult
from shared.jobs.submission import command_of
from shared.lake.timeframes import from_ms, iso
from shared.ledger.intervals import Interval
from shared.ledger.store import RowTimeline

# What a listing shows, and so all it reads: never the JSON columns (details, result) of 500 jobs.
SUMMARY_COLUMNS = ("id, job_type, status, exchange, symbol, timeframe, start_ts, end_ts, progress, submitted_at,"
                   " finished_at, parent_id")


def job_created(job_id: UUID, status: str, submitted_at: datetime, **extra: Any) -> dict:
    return answer(JobCreated(id=job_id, status=status, submitted_at=submitted_at, **extra))


def _summary(row: asyncpg.Record) -> dict:
    return {"id": row["id"], "job_type": row["job_type"], "status": row["status"], "exchange": row["exchange"],
            "symbol": row["symbol"], "timeframe": row["timeframe"], "start_timestamp": row["start_ts"],
            "end_timestamp": row["end_ts"], "progress": round(row["progress"], 4),
            "submitted_at": row["submitted_at"], "finished_at": row["finished_at"], "parent_id": row["parent_id"]}


def job_summary(row: asyncpg.Record) -> dict:
    return answer(JobSummary(**_summary(row)))


def job_view(row: asyncpg.Record) -> dict:
    details = row["details"] or {}
    validation = details.get("validation")
    return answer(JobView(
        **_summary(row),
        options=row["options"],
        details=JobDetails(last_timestamp=details.get("last_timestamp"),
                           batches_completed=details.get("batches_completed", 0),
                           messages=details.get("messages", [])),
        result=JobResult.model_validate(row["result"] or {}),
        error=row["error"],
        validation=JobValidation.model_validate(validation) if validation else None,
        started_at=row["started_at"],
        resumed_from=details.get("resumed_from"),
        resumed_by=details.get("resumed_by"),
        events_seq=row["last_event_seq"],
    ))


def _interval(interval: Interval) -> LedgerInterval:
    return LedgerInterval(start_timestamp=from_ms(interval.start_ms), end_timestamp=from_ms(interval.end_ms),
                          state=interval.state, source=interval.source, provisional=interval.provisional)


def coverage_view(timeline: RowTimeline) -> dict:
    row = timeline.row
    query = urlencode({"exchange": row["exchange"], "symbol": row["symbol"], "timeframe": row["timeframe"]})
    return answer(CoverageRow(
        exchange=row["exchange"], symbol=row["symbol"], timeframe=row["timeframe"], start_timestamp=row["start_ts"],
        end_timestamp=row["end_ts"], rows=row["rows"], last_job_id=row["last_job_id"],
        last_sync_at=row["last_sync_at"], validated_at=row["validated_at"],
        timeline=[TimelineSegment(start_timestamp=from_ms(s.start_ms), end_timestamp=from_ms(s.end_ms), state=s.state,
                                  source=s.source, provisional=s.provisional, stretches=s.stretches, shares=s.shares)
                  for s in timeline.segments],
        merged_stretches=timeline.merged_stretches, missing_stretches=timeline.missing_stretches,
        intervals_url=f"/api/data-coverage/intervals?{query}"))


def intervals_page(intervals: list[Interval], listed: list[Interval], limit: int, query: dict[str, str]) -> dict:
    """`intervals`: the page as stored (`limit` asked); `listed`: the same with its holes."""
    more = len(intervals) == limit
    after = {"after": iso(intervals[-1].end_ms)} if intervals else {}
    return answer(IntervalsPage(intervals=[_interval(i) for i in listed],
                                next=f"/api/data-coverage/intervals?{urlencode(query | after)}" if more else None))


def dump_files(rows: Iterable[asyncpg.Record]) -> list[dict]:
    """Rows of dump_files LEFT JOIN dump_members: one file each, with its members."""
    files: dict[tuple[str, str], DumpFile] = {}
    for r in rows:
        file = files.setdefault((r["kind"], r["name"]), DumpFile(
            kind=r["kind"], name=r["name"], sha256=r["sha256"], size=r["size"], cached_at=r["cached_at"], members=[]))
        if r["member"]:
            file.members.append(DumpMember(member=r["member"], altname=r["altname"], minutes=r["minutes"],
                                           first_timestamp=r["first_ts"], last_timestamp=r["last_ts"], rows=r["rows"]))
    return [answer(f) for f in files.values()]


def downloads(row: asyncpg.Record) -> dict:
    """Links to the candles of each timeframe the job wrote, in each format."""
    base = f"/api/data-jobs/{row['id']}/candles"
    links = [DownloadLink(timeframe=tf, format=fmt, url=f"{base}?timeframe={tf}&format={fmt}")
             for tf in command_of(row).timeframes for fmt in ("parquet", "csv")]
    return answer(Downloads(job_id=row["id"], action="download", downloads=links,
                            artifacts=(row["result"] or {}).get("artifacts", [])))
