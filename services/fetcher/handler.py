"""on_fetch: one fetch job, from the command to the candle batches on their way to the writer."""

from __future__ import annotations

import structlog

from services.fetcher.rest_fetch import fetch_rest
from shared.exchange import ExchangeClient
from shared.lifecycle import has_ended
from shared.messages import CANDLES_SUBJECT, JobCommand
from shared.runtime import Runtime
from shared.timeframes import iso

log = structlog.get_logger()


async def on_fetch(rt: Runtime, cmd: JobCommand) -> None:
    if await has_ended(rt.pool, cmd.job_id):
        log.info("job.skipped", job_id=str(cmd.job_id), reason="already ended")
        return
    await rt.events.emit(cmd.job_id, "job.started", {"worker": "fetcher"})

    async def notify(text: str) -> None:
        await rt.events.emit(cmd.job_id, "job.message", {"text": text, "level": "warning"})

    async with ExchangeClient(rt.settings, notify) as client:
        market = await client.market(cmd.symbol)
        outcome = await fetch_rest(client, cmd, market["id"], rt.settings.batch_rows)
    window = outcome.window
    rows = sum(len(b) for b in outcome.batches)
    await rt.events.emit(cmd.job_id, "job.message", {
        "text": f"Fetched {rows} candles from Kraken REST in {client.calls} call(s)"
                f" ({client.failed_calls} retried); {window.empty_intervals} intervals had no trades",
        "level": "info",
    })
    for batch in outcome.batches:
        await rt.bus.publish(CANDLES_SUBJECT, batch, msg_id=f"{cmd.job_id}:{batch.batch_id}")
    for part in window.not_fetched:
        await notify(f"Not fetched {part['start_timestamp']} to {part['end_timestamp']}: {part['reason']}")
    last = max((b.ts[-1] for b in outcome.batches), default=None)
    await rt.events.emit(cmd.job_id, "job.progress", {
        "progress": 1.0, "last_timestamp": iso(last) if last is not None else None,
    })
    await rt.events.emit(cmd.job_id, "job.fetched", {
        "batch_ids": [b.batch_id for b in outcome.batches],
        "rows": rows,
        "no_trade_intervals": window.empty_intervals,
        "not_fetched": window.not_fetched,
        "exchange_calls": client.calls,
        "failed_calls": client.failed_calls,
    }, dedup_key="fetched")
    log.info("job.fetched", job_id=str(cmd.job_id), symbol=cmd.symbol, timeframe=cmd.timeframe, rows=rows,
             batches=len(outcome.batches), calls=client.calls, failed_calls=client.failed_calls)
