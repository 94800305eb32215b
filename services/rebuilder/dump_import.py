"""Importing the trading-history dump's part of a rebuild, a chunk at a time, checkpointed after each
chunk; then handing over to Kraken's Trades API exactly where the dump ends. A dump file further in
the range (a cached quarter in the middle of a long rebuild) is read too, where the paging reaches it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import polars as pl
import structlog

from services.rebuilder.cursor import Cursor
from services.rebuilder.trade_history_csv import iter_trade_batches
from shared.jobs.commands import JobCommand
from shared.jobs.events.payloads import JobMessage
from shared.kraken.constants import NS_PER_MS
from shared.kraken.dumps.cache import local_zip, sync_dumps
from shared.kraken.dumps.trade_csv import is_csv_source
from shared.kraken.dumps.trade_reach import known_stretches
from shared.kraken.dumps.trade_stretches import DumpStretch
from shared.lake.storage import Storage
from shared.lake.timeframes import iso
from shared.service.runtime import Runtime

log = structlog.get_logger()
OnChunk = Callable[[pl.DataFrame, int], Awaitable[None]]


async def _import(storage: Storage, stretch: DumpStretch, cursor: Cursor, on_chunk: OnChunk,
                  chunk_rows: int) -> None:
    skip = cursor.dump_rows.get(stretch.name, 0)  # taken before a restart: fed already, in the checkpoint
    where = contextlib.nullcontext(Path(stretch.artifact)) if stretch.member is None \
        else local_zip(storage, stretch.artifact)
    async with where as path:
        chunks = iter_trade_batches(path, member=stretch.member, start_s=stretch.start_ms // 1000,
                                    end_s=-(-stretch.end_ms // 1000), batch_rows=chunk_rows)
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            if skip >= chunk.height:
                skip -= chunk.height
                continue
            chunk, skip = chunk.slice(skip), 0
            cursor.chunk_read(stretch.name, chunk.height)
            await on_chunk(chunk, int(chunk.get_column("ts")[-1]) // NS_PER_MS)


async def _stretches(rt: Runtime, storage: Storage, cmd: JobCommand, cursor: Cursor, altname: str,
                     notify: Callable[[str], Awaitable[None]]) -> list[DumpStretch]:
    source = rt.settings.kraken_trades_source
    if source and not is_csv_source(source) and not cursor.dumps_done:
        await sync_dumps("trades", source, storage, rt.pool, notify)
    return await known_stretches(rt.pool, source, cmd.exchange, cmd.symbol, altname, cmd.start_ms, cmd.end_ms)


async def import_dumps(rt: Runtime, storage: Storage, cmd: JobCommand, cursor: Cursor, altname: str,
                       on_chunk: OnChunk, notify: Callable[[str], Awaitable[None]]) -> int | None:
    """Imports what the dumps hold of [start, end); the instant the API must take over from (None when
    no dump covers the start). The cursor is set so that no trade is lost or repeated."""
    stretches = await _stretches(rt, storage, cmd, cursor, altname, notify)
    if not stretches:
        return None
    handover = stretches[-1].end_ms
    if not cursor.dumps_done:
        for stretch in stretches:
            await _import(storage, stretch, cursor, on_chunk, rt.settings.rebuild_dump_chunk_rows)
        cursor.hand_over(handover)
        log.info("dump.imported", job_id=str(cmd.job_id), files=[s.name for s in stretches],
                 trades=cursor.dump_trades, handover=iso(handover))
        if handover < cmd.end_ms:
            await rt.events.emit(cmd.job_id, JobMessage(
                text=f"The trading-history dump covers up to {iso(handover)}"
                     f" ({cursor.dump_trades} trades); continuing from Kraken's Trades API",
                level="info"), dedup_key="handover")
    return handover


async def later_dumps(rt: Runtime, cmd: JobCommand, altname: str, after_ms: int) -> list[DumpStretch]:
    """The dump stretches of the range that start after the API took over at after_ms."""
    found = await known_stretches(rt.pool, rt.settings.kraken_trades_source, cmd.exchange, cmd.symbol, altname,
                                  after_ms, cmd.end_ms, skip_gaps=True)
    return [s for s in found if s.start_ms > after_ms]


async def import_later(rt: Runtime, storage: Storage, cmd: JobCommand, cursor: Cursor, stretch: DumpStretch,
                       on_chunk: OnChunk) -> None:
    """Reads a dump file further in the range (on from what a restart had read of it already)."""
    await _import(storage, stretch, cursor, on_chunk, rt.settings.rebuild_dump_chunk_rows)
    cursor.later_read(stretch.name, stretch.end_ms)
    log.info("dump.imported", job_id=str(cmd.job_id), files=[stretch.name], trades=cursor.dump_rows.get(stretch.name, 0),
             handover=iso(stretch.end_ms))
    await rt.events.emit(cmd.job_id, JobMessage(
        text=f"The trading-history dump {stretch.name} covers {iso(stretch.start_ms)} to {iso(stretch.end_ms)}"
             f" ({cursor.dump_rows.get(stretch.name, 0)} trades); read from it, not from Kraken's Trades API",
        level="info"), dedup_key=f"later-dump:{stretch.name}")
