"""on_fetch: one fetch job, from its plan to candle batches for the writer and child rebuild jobs."""

from __future__ import annotations

from dataclasses import replace

import structlog

from services.fetcher.batch import on_batch
from services.fetcher.children import spawn_child
from services.fetcher.dumps import sync_ohlcvt
from services.fetcher.planned import check_cost, planned
from services.fetcher.rest_fetch import fetch_rest
from services.fetcher.zip_fetch import zip_batches
from shared.jobs.commands import CANDLES_SUBJECT, CandleBatch, JobCommand
from shared.jobs.events.payloads import JobFetched, JobMessage, JobProgress, JobStarted
from shared.jobs.lifecycle import stop_if_ended
from shared.kraken.budget import budget_for
from shared.kraken.client import ExchangeClient
from shared.lake.storage import Storage
from shared.lake.timeframes import iso, millis
from shared.planning.batch import uncovered
from shared.planning.planner import Segment
from shared.planning.summary import summarize
from shared.planning.weight import fetched_share
from shared.service.runtime import Runtime

log = structlog.get_logger()


class Outcome:
    def __init__(self) -> None:
        self.batch_ids: list[str] = []
        self.children: list[str] = []
        self.rows = 0
        self.no_trade_intervals = 0
        self.not_fetched: list[dict] = []

    async def send(self, rt: Runtime, cmd: JobCommand, seg: Segment, batches: list[CandleBatch]) -> None:
        for batch in batches:
            # The seam candle fetched past the segment's own range is its neighbour's to count.
            batch.counted_from_ms, batch.counted_to_ms = seg.start_ms, seg.end_ms
            await rt.bus.publish(CANDLES_SUBJECT, batch, msg_id=f"{cmd.job_id}:{batch.batch_id}")
            self.batch_ids.append(batch.batch_id)
            self.rows += len(batch)


async def run_segment(rt: Runtime, storage: Storage, client: ExchangeClient, cmd: JobCommand, seg: Segment,
                      out: Outcome) -> None:
    if seg.kind == "zip":
        batches, written = await zip_batches(rt, storage, cmd, seg)
        await out.send(rt, cmd, seg, batches)
        out.batch_ids += written  # announced again, so the job completes once every one is written
    elif seg.kind == "rest":
        market = await client.market(cmd.symbol)  # loaded once per process
        rest = await fetch_rest(client, cmd, market.id, rt.settings.batch_rows, seg.fetch_start_ms, seg.fetch_end_ms,
                                rt.settings.rest_provisional_s)
        await out.send(rt, cmd, seg, rest.batches)
        out.no_trade_intervals += rest.window.empty_intervals
        out.not_fetched += rest.window.not_fetched
    elif seg.kind == "trades":
        for part in own_trades(cmd, seg):
            out.children.append(str((await spawn_child(rt, cmd, part)).job_id))


def own_trades(cmd: JobCommand, seg: Segment) -> list[Segment]:
    """A batch's fetch child leaves the trades its batch rebuilds for all its timeframes at once to that
    rebuild, and rebuilds itself only what the batch's plan did not see (Kraken's REST window has moved on)."""
    covered = [(a, b) for a, b in cmd.options.get("trades_covered", [])]
    parts = uncovered(seg.fetch_start_ms, seg.fetch_end_ms, covered, millis(cmd.timeframe))
    return [replace(seg, fetch_start_ms=a, fetch_end_ms=b) for a, b in parts]


async def on_fetch(rt: Runtime, storage: Storage, cmd: JobCommand) -> None:
    if await rt.events.has_ended(cmd.job_id):
        log.info("job.skipped", job_id=str(cmd.job_id), reason="already ended")
        return
    await rt.events.emit(cmd.job_id, JobStarted(worker="fetcher", instance=rt.settings.instance_id))

    async def notify(text: str) -> None:
        await rt.events.emit(cmd.job_id, JobMessage(text=text, level="warning"))

    out = Outcome()
    async with ExchangeClient(rt.settings, notify, budget_for(rt.pool, rt.settings)) as client:
        if cmd.options.get("seed_from_zip", True):
            await sync_ohlcvt(rt, storage, cmd.job_id, notify)
        if cmd.options.get("batch"):
            return await on_batch(rt, cmd, client)
        segments = await planned(rt, client, cmd)
        check_cost(rt, cmd, segments)
        summary = summarize(segments)["segments"]
        for i, seg in enumerate(segments, 1):
            await stop_if_ended(rt.events, cmd.job_id)
            await run_segment(rt, storage, client, cmd, seg, out)
            # Weighed by the plan; a trades segment's work is its child rebuild's, still to come.
            await rt.events.emit(cmd.job_id, JobProgress(
                progress=round(fetched_share(summary, i), 4), last_timestamp=iso(seg.end_ms), segment=seg.kind,
                segments_done=i))
    for part in out.not_fetched:
        await notify(f"Not fetched {part['start_timestamp']} to {part['end_timestamp']}: {part['reason']}")
    await rt.events.emit(cmd.job_id, JobFetched(
        batch_ids=out.batch_ids, children=out.children, rows=out.rows, no_trade_intervals=out.no_trade_intervals,
        not_fetched=out.not_fetched, exchange_calls=client.calls, failed_calls=client.failed_calls,
    ), dedup_key="fetched")
    log.info("job.fetched", job_id=str(cmd.job_id), symbol=cmd.symbol, timeframe=cmd.timeframe, rows=out.rows,
             segments=[s.kind for s in segments], batches=len(out.batch_ids), children=len(out.children),
             calls=client.calls, failed_calls=client.failed_calls)
