"""Candles on their way to the writer: queued per timeframe, sent as full batches, each vouching for
the span of time it covers so the coverage ledger learns where trades showed no candle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pyarrow as pa
import pyarrow.compute as pc

from services.rebuilder.checkpoint import RebuildState
from shared.jobs.batches import batch_of
from shared.jobs.commands import CANDLES_SUBJECT, JobCommand
from shared.lake.schema import SCHEMA
from shared.lake.timeframes import job_timeframes, millis
from shared.service.runtime import Runtime

OHLC_ROWS = 720
Check = Callable[[str, pa.Table, tuple[int, int]], Awaitable[None]]


def timeframes_of(cmd: JobCommand) -> list[str]:
    return job_timeframes(cmd.timeframe, cmd.options)


def span_of(cmd: JobCommand, state: RebuildState, tf: str, table: pa.Table, final: bool) -> tuple[int, int]:
    """What a batch vouches for: from where the last one ended to its last candle's close, and at the
    end up to the last bucket the job's range closes. Trades show every bucket in between empty."""
    step = millis(tf)
    lo = state.sent_until.get(tf, -(-cmd.start_ms // step) * step)
    if final:
        return lo, max(lo, cmd.end_ms // step * step)
    return lo, table.column("ts").cast(pa.int64())[-1].as_py() + step


def keep_recent(cmd: JobCommand, state: RebuildState, tf: str, table: pa.Table) -> None:
    """Keeps the candles Kraken's REST window (its newest 720) may still hold, to check them against it."""
    since = cmd.end_ms - OHLC_ROWS * millis(tf)
    fresh = table.filter(pc.greater_equal(table.column("ts").cast(pa.int64()), since))
    if fresh.num_rows:
        both = pa.concat_tables([t for t in (state.recent.get(tf), fresh) if t is not None])
        state.recent[tf] = both.slice(max(0, both.num_rows - OHLC_ROWS))


async def send(rt: Runtime, cmd: JobCommand, state: RebuildState, closed: dict[str, pa.Table], force: bool,
               check: Check | None = None) -> None:
    """Queues closed candles; sends a timeframe's queue once it is a full batch, and everything at the
    end (an empty batch too, so the ledger learns the quiet tail of the range). `check` sees each batch
    and the span it vouches for before it goes."""
    for tf, table in closed.items():
        if table.num_rows:
            state.pending.setdefault(tf, []).append(table.select(list(SCHEMA.names)).cast(SCHEMA))
    for tf in timeframes_of(cmd):
        parts = state.pending.get(tf, [])
        rows = sum(p.num_rows for p in parts)
        if not (force or rows >= rt.settings.batch_rows):
            continue
        table = pa.concat_tables(parts) if parts else SCHEMA.empty_table()
        span = span_of(cmd, state, tf, table, force)
        if not rows and span[0] >= span[1]:
            continue
        batch = batch_of(table, job_id=cmd.job_id, exchange=cmd.exchange, symbol=cmd.symbol, timeframe=tf,
                         source="trades", prefix="trades", span=span)
        keep_recent(cmd, state, tf, table)
        if check is not None:
            await check(tf, table, span)
        await rt.bus.publish(CANDLES_SUBJECT, batch, msg_id=f"{cmd.job_id}:{batch.batch_id}")
        state.batch_ids.append(batch.batch_id)
        state.pending[tf] = []
        state.sent_until[tf] = span[1]
