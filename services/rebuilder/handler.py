"""on_rebuild: one trade_rebuild job, from Kraken's trades (the trading-history dump first, where one is
cached, then the Trades API) to candles of every requested timeframe, resumed from its checkpoint."""

from __future__ import annotations

import structlog

from services.rebuilder import checkpoint
from services.rebuilder.checkpoint import Checkpoint
from services.rebuilder.run import Rebuild
from shared.jobs.commands import JobCommand
from shared.jobs.events.payloads import JobFetched, JobStarted
from shared.lake.layout import public_artifact
from shared.lake.storage import Storage
from shared.service.runtime import Runtime

log = structlog.get_logger()
FETCHED = "fetched"  # the dedup key of a rebuild's job.fetched: it is announced once


async def on_rebuild(rt: Runtime, storage: Storage, cmd: JobCommand) -> None:
    await checkpoint.drop_ended(rt.pool)
    if await rt.events.has_ended(cmd.job_id):
        return
    if await rt.events.find(cmd.job_id, JobFetched, FETCHED) is not None:
        # Delivered again after this job's rebuild was announced whole (a NATS restart, a slow
        # writer): the writer and coverage finish the job; rebuilding would page every trade again.
        log.info("job.already_fetched", job_id=str(cmd.job_id))
        return
    refused = None
    try:
        saved = await checkpoint.load(rt.pool, cmd.job_id)
    except checkpoint.Refused as exc:
        saved, refused = None, str(exc)
    started = JobStarted(worker="rebuilder", instance=rt.settings.instance_id, resumed=saved is not None)
    await rt.events.emit(cmd.job_id, started)
    rebuild = Rebuild(rt, storage, cmd, saved or Checkpoint.start(cmd))
    if refused is not None:
        log.warning("checkpoint.refused", job_id=str(cmd.job_id), reason=refused)
        await rebuild.notify(refused)
        await checkpoint.drop(rt.pool, cmd.job_id)
    comparisons, with_dump = await rebuild.run()
    state = rebuild.state
    await rt.events.emit(cmd.job_id, JobFetched(
        batch_ids=state.outbox.batch_ids, trades=state.cursor.trades, exchange_calls=state.cursor.calls,
        dump_trades=state.cursor.dump_trades, comparisons=comparisons, dump_comparisons=with_dump,
        trade_files=[public_artifact(k, rt.settings.lake_public_url) for k in state.raw_trades.files]
        if state.raw_trades else [],
        trades_written=state.raw_trades.written if state.raw_trades else 0,
    ), dedup_key=FETCHED)
    log.info("job.rebuilt", job_id=str(cmd.job_id), trades=state.cursor.trades, calls=state.cursor.calls,
             dump_trades=state.cursor.dump_trades, batches=len(state.outbox.batch_ids),
             dump_compared={tf: r["compared"] for tf, r in with_dump.items()})
