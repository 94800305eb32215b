"""One progress event per unit of rebuild work (a Trades page, a dump chunk)."""

from __future__ import annotations

from services.rebuilder.cursor import Cursor
from shared.jobs.commands import JobCommand
from shared.jobs.events.payloads import JobProgress
from shared.lake.timeframes import iso
from shared.service.runtime import Runtime


async def report(rt: Runtime, cmd: JobCommand, cursor: Cursor, reached_ms: int, done: bool) -> None:
    reached = min(max(reached_ms, cmd.start_ms), cmd.end_ms)
    await rt.events.emit(cmd.job_id, JobProgress(
        progress=1.0 if done else (reached - cmd.start_ms) / max(cmd.end_ms - cmd.start_ms, 1),
        last_timestamp=iso(reached), trades=cursor.trades, calls=cursor.calls, dump_trades=cursor.dump_trades,
    ))
