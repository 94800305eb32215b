"""on_validate: a job's stored candles validated, timeframe by timeframe and one year partition at a
time (memory stays that of one partition, whatever the range). Each timeframe's report is a job message
and part of the job's `validation`; a timeframe that passes is stamped `validated_at` in coverage."""

from __future__ import annotations

import asyncio

import structlog

from services.coverage.checks import merge_reports, summary, validate
from shared.jobs.commands import ValidateCommand
from shared.jobs.events.payloads import JobMessage
from shared.jobs.events.validation import ValidationCompleted, ValidationFailed, ValidationStarted
from shared.lake.reading import read_years
from shared.lake.storage import Storage
from shared.lake.timeframes import millis
from shared.ledger import store as ledger_store
from shared.service.runtime import Runtime

log = structlog.get_logger()


async def validate_timeframe(rt: Runtime, storage: Storage, cmd: ValidateCommand, timeframe: str) -> dict:
    known = await ledger_store.load(rt.pool, cmd.exchange, cmd.symbol, timeframe, cmd.start_ms, cmd.end_ms)
    report = None
    async for lo, hi, candles in read_years(storage, cmd.exchange, cmd.symbol, timeframe, cmd.start_ms, cmd.end_ms):
        part = await asyncio.to_thread(validate, candles, known, millis(timeframe), lo, hi)
        report = merge_reports(report, part)
    return report


async def on_validate(rt: Runtime, storage: Storage, cmd: ValidateCommand) -> None:
    key = f"validation:{cmd.validation_id}"
    await rt.events.emit(cmd.job_id, ValidationStarted(validation_id=cmd.validation_id, timeframes=cmd.timeframes),
                         dedup_key=f"{key}:started")
    reports = {}
    for timeframe in cmd.timeframes:
        report = reports[timeframe] = await validate_timeframe(rt, storage, cmd, timeframe)
        if report["ok"]:
            await rt.pool.execute("UPDATE stored_ranges SET validated_at = now() WHERE exchange = $1 AND symbol = $2"
                                  " AND timeframe = $3", cmd.exchange, cmd.symbol, timeframe)
        text, level = summary(timeframe, report)
        await rt.events.emit(cmd.job_id, JobMessage(text=text, level=level), dedup_key=f"{key}:{timeframe}")
        log.info("validation.timeframe", job_id=str(cmd.job_id), timeframe=timeframe, rows=report["rows"],
                 ok=report["ok"], failed=report["failed"], missing=len(report["missing"]))
    await rt.events.emit(cmd.job_id, ValidationCompleted(
        validation_id=cmd.validation_id, ok=all(r["ok"] for r in reports.values()), reports=reports), dedup_key=key)


async def validation_failed(rt: Runtime, cmd: ValidateCommand, exc: Exception) -> None:
    """A validation that could not run (the lake unreadable, say) says so; the job itself stays as it was."""
    log.error("validation.given_up", job_id=str(cmd.job_id), error=str(exc)[:300])
    await rt.events.emit(cmd.job_id, ValidationFailed(validation_id=cmd.validation_id, error=str(exc)),
                         dedup_key=f"validation:{cmd.validation_id}")
