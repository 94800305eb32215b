"""The trades part of a plan: a child trade_rebuild job for the rebuilder, linked to its parent."""

from __future__ import annotations

import uuid

from shared.jobs.commands import JobCommand
from shared.jobs.submission import enqueue, store_job
from shared.lake.timeframes import iso
from shared.planning.planner import Segment
from shared.service.runtime import Runtime


def child_command(cmd: JobCommand, seg: Segment) -> JobCommand:
    # Named by parent and range, so a fetcher that restarts mid-plan submits the same child again.
    child_id = uuid.uuid5(cmd.job_id, f"trades:{cmd.timeframe}:{seg.fetch_start_ms}:{seg.fetch_end_ms}")
    return JobCommand(job_id=child_id, job_type="trade_rebuild", parent_id=cmd.job_id, exchange=cmd.exchange,
                      symbol=cmd.symbol, timeframe=cmd.timeframe, start_ms=seg.fetch_start_ms,
                      end_ms=seg.fetch_end_ms,
                      # The parent's REST and dump segments meet this child at seams, where the writer
                      # compares them; a second OHLC call, or reading a dump ZIP (gigabytes, fetched again
                      # from S3), only for those would be waste.
                      options={"timeframes": [], "empty_buckets": "sparse", "compare_with_ohlc": False,
                               "compare_with_dump": False,
                               # Its candles across a seam are the neighbouring segment's to count.
                               "counted": [seg.start_ms, seg.end_ms]})


async def spawn_child(rt: Runtime, cmd: JobCommand, seg: Segment) -> JobCommand:
    child = child_command(cmd, seg)
    request = {"exchange": child.exchange, "symbol": child.symbol, "timeframe": child.timeframe,
               "start_timestamp": iso(child.start_ms), "end_timestamp": iso(child.end_ms),
               "job_type": "trade_rebuild", "parent_id": str(cmd.job_id)}
    await store_job(rt.pool, rt.events, child, request)
    await enqueue(rt.bus, rt.pool, child)
    return child
