"""on_rebuild: one trade_rebuild job, from Kraken's trades to candles of every requested timeframe."""

from __future__ import annotations

import pyarrow as pa
import structlog

from services.rebuilder import checkpoint
from services.rebuilder.aggregate import TradeAggregator
from services.rebuilder.checkpoint import RebuildState
from services.rebuilder.rebuild import NS_PER_MS, page_trades, start_cursor
from shared.batches import batch_of
from shared.candles import SCHEMA
from shared.exchange import ExchangeClient
from shared.lifecycle import has_ended
from shared.messages import CANDLES_SUBJECT, JobCommand
from shared.runtime import Runtime
from shared.timeframes import iso, millis

log = structlog.get_logger()


def timeframes_of(cmd: JobCommand) -> list[str]:
    return list(dict.fromkeys([cmd.timeframe, *cmd.options.get("timeframes", [])]))


def _span(cmd: JobCommand, state: RebuildState, tf: str, table: pa.Table, final: bool) -> tuple[int, int]:
    """What a batch vouches for: from where the last one ended to its last candle's close, and at the
    end up to the last bucket the job's range closes. Trades show every bucket in between empty."""
    step = millis(tf)
    lo = state.sent_until.get(tf, -(-cmd.start_ms // step) * step)
    if final:
        return lo, max(lo, cmd.end_ms // step * step)
    return lo, table.column("ts").cast(pa.int64())[-1].as_py() + step


async def _send(rt: Runtime, cmd: JobCommand, state: RebuildState, closed: dict[str, pa.Table], force: bool) -> None:
    """Queues closed candles; sends a timeframe's queue once it is a full batch, and everything at the
    end (an empty batch too, so the ledger learns the quiet tail of the range)."""
    for tf, table in closed.items():
        if table.num_rows:
            state.pending.setdefault(tf, []).append(table.select(list(SCHEMA.names)).cast(SCHEMA))
    for tf in timeframes_of(cmd):
        parts = state.pending.get(tf, [])
        rows = sum(p.num_rows for p in parts)
        if not (force or rows >= rt.settings.batch_rows):
            continue
        table = pa.concat_tables(parts) if parts else SCHEMA.empty_table()
        span = _span(cmd, state, tf, table, force)
        if not rows and span[0] >= span[1]:
            continue
        batch = batch_of(table, job_id=cmd.job_id, exchange=cmd.exchange, symbol=cmd.symbol, timeframe=tf,
                         source="trades", prefix="trades", span=span)
        await rt.bus.publish(CANDLES_SUBJECT, batch, msg_id=f"{cmd.job_id}:{batch.batch_id}")
        state.batch_ids.append(batch.batch_id)
        state.pending[tf] = []
        state.sent_until[tf] = span[1]


async def on_rebuild(rt: Runtime, cmd: JobCommand) -> None:
    if await has_ended(rt.pool, cmd.job_id):
        return
    state = await checkpoint.load(rt.pool, cmd.job_id)
    await rt.events.emit(cmd.job_id, "job.started", {"worker": "rebuilder", "resumed": state is not None})
    if state is None:
        aggregator = TradeAggregator(timeframes_of(cmd), start_ms=cmd.start_ms,
                                     empty=cmd.options.get("empty_buckets", "sparse"))
        state = RebuildState(cursor=start_cursor(cmd.start_ms), aggregator=aggregator)
    span = max(cmd.end_ms - cmd.start_ms, 1)

    async def notify(text: str) -> None:
        await rt.events.emit(cmd.job_id, "job.message", {"text": text, "level": "warning"})

    async def on_page(state: RebuildState, trades: pa.Table, done: bool) -> None:
        await _send(rt, cmd, state, state.aggregator.feed(trades), force=False)
        if done:
            await _send(rt, cmd, state, state.aggregator.finish(cmd.end_ms), force=True)
            state.finished = True
        await checkpoint.save(rt.pool, cmd.job_id, state)
        reached = min(int(state.cursor) // NS_PER_MS, cmd.end_ms)
        await rt.events.emit(cmd.job_id, "job.progress", {
            "progress": 1.0 if done else max(0.0, (reached - cmd.start_ms) / span),
            "last_timestamp": iso(reached), "trades": state.trades, "calls": state.calls,
        })

    if not state.finished:
        async with ExchangeClient(rt.settings, notify) as client:
            market = await client.market(cmd.symbol)
            await page_trades(client, market["id"], state, cmd.end_ms, on_page)
    await rt.events.emit(cmd.job_id, "job.fetched", {
        "batch_ids": state.batch_ids, "trades": state.trades, "exchange_calls": state.calls,
        "rows": None, "not_fetched": [],
    }, dedup_key="fetched")
    await checkpoint.drop(rt.pool, cmd.job_id)
    log.info("job.rebuilt", job_id=str(cmd.job_id), trades=state.trades, calls=state.calls,
             batches=len(state.batch_ids))
