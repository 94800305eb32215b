"""The dump part of a plan: one member of a cached OHLCVT ZIP, streamed into one staged Parquet file
per year, each handed to the writer as a batch that vouches for its whole span of the segment.

A job run again after a crash (the plan is stored, so the batch ids are the same) stages only the years
the writer has not recorded: nothing is uploaded that no batch would ever consume."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from services.fetcher.ohlcvt_stage import StagedYear, stage_member
from shared.jobs.commands import CandleBatch, JobCommand
from shared.jobs.events.payloads import BatchWritten
from shared.kraken.dumps.cache import local_zip
from shared.lake.layout import year_spans
from shared.lake.storage import Storage
from shared.planning.planner import Segment
from shared.platform.errors import PermanentError
from shared.service.runtime import Runtime


async def written_batches(rt: Runtime, cmd: JobCommand) -> set[str]:
    return {written.batch_id for written in await rt.events.of_type(cmd.job_id, BatchWritten)}


async def zip_batches(rt: Runtime, storage: Storage, cmd: JobCommand, seg: Segment) -> tuple[list[CandleBatch], list[str]]:
    """(batches to send, ids of this segment's batches written already)."""
    written = await written_batches(rt, cmd)
    years = year_spans(seg.fetch_start_ms, seg.fetch_end_ms)
    spans = [(year, span) for year, span in years if batch_id_of(cmd, span) not in written]
    done = [batch_id_of(cmd, span) for _, span in years if batch_id_of(cmd, span) in written]
    if not spans:
        return [], done
    artifact = await rt.pool.fetchval("SELECT artifact FROM dump_files WHERE kind = 'ohlcvt' AND name = $1", seg.dump)
    if artifact is None:
        raise PermanentError(f"the dump {seg.dump} is not in the cache any more; submit the job again")
    async with local_zip(storage, artifact) as path:
        with tempfile.TemporaryDirectory(prefix="stage-") as tmp:
            # Only the years still to write are read (a dump holds a pair's whole history).
            staged = await asyncio.to_thread(stage_member, path, seg.member, spans[0][1][0], spans[-1][1][1], Path(tmp))
            return await _hand_over(storage, cmd, spans, staged), done


def batch_id_of(cmd: JobCommand, span: tuple[int, int]) -> str:
    return f"zip:{cmd.timeframe}:{span[0]}:{span[1]}"


async def _hand_over(storage: Storage, cmd: JobCommand, spans: list[tuple[int, tuple[int, int]]],
                     staged: list[StagedYear]) -> list[CandleBatch]:
    """Uploads each staged year and names it in a batch vouching for that year's part of the segment."""
    by_year, batches = {s.year: s for s in staged}, []
    for year, (lo, hi) in spans:
        batch_id = batch_id_of(cmd, (lo, hi))
        part, key = by_year.get(year), None
        if part is not None and part.rows:
            key = f"staging/{cmd.job_id}/{batch_id.replace(':', '-')}.parquet"
            await storage.put_file(key, part.path)
        batches.append(CandleBatch(
            job_id=cmd.job_id, batch_id=batch_id, exchange=cmd.exchange, symbol=cmd.symbol,
            timeframe=cmd.timeframe, source="zip", staged=key, staged_rows=part.rows if key else 0,
            span_start_ms=lo, span_end_ms=hi))
    return batches
