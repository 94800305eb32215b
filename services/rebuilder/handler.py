"""on_rebuild: one trade_rebuild job, from Kraken's trades (the trading-history dump first, where one is
cached, then the Trades API) to candles of every requested timeframe."""

from __future__ import annotations

import contextlib

import polars as pl
import pyarrow as pa
import structlog

from services.rebuilder import checkpoint
from services.rebuilder.aggregate import TradeAggregator
from services.rebuilder.checkpoint import RebuildState
from services.rebuilder.dump_check import DumpCheck
from services.rebuilder.dump_import import import_dumps
from services.rebuilder.ohlc_check import check_against_ohlc
from services.rebuilder.progress import report
from services.rebuilder.raw_trades import RawTrades
from services.rebuilder.rebuild import NS_PER_MS, page_trades, start_cursor
from services.rebuilder.sending import send, timeframes_of
from services.rebuilder.trade_store import write_flush
from shared.jobs.commands import JobCommand
from shared.jobs.events.payloads import JobFetched, JobMessage, JobStarted
from shared.jobs.lifecycle import stop_if_ended
from shared.kraken.client import ExchangeClient
from shared.lake.storage import Storage
from shared.service.runtime import Runtime

log = structlog.get_logger()


def new_state(cmd: JobCommand) -> RebuildState:
    aggregator = TradeAggregator(timeframes_of(cmd), start_ms=cmd.start_ms,
                                 empty=cmd.options.get("empty_buckets", "sparse"))
    raw = RawTrades(cmd.exchange, cmd.symbol, cmd.start_ms * NS_PER_MS) if cmd.options.get("include_trades") else None
    return RebuildState(cursor=start_cursor(cmd.start_ms), aggregator=aggregator, raw=raw)


async def _keep_raw(rt: Runtime, storage: Storage, cmd: JobCommand, state: RebuildState,
                    trades: pa.Table | pl.DataFrame, final: bool) -> None:
    if state.raw is None:
        return
    state.raw.add(trades)
    if (flush := state.raw.due(final, cmd.end_ms * NS_PER_MS)) is not None:
        await write_flush(rt.pool, storage, state.raw, flush)


async def on_rebuild(rt: Runtime, storage: Storage, cmd: JobCommand) -> None:
    if await rt.events.has_ended(cmd.job_id):
        return
    state = await checkpoint.load(rt.pool, cmd.job_id)
    await rt.events.emit(cmd.job_id, JobStarted(worker="rebuilder", resumed=state is not None))
    state = state or new_state(cmd)

    async def notify(text: str) -> None:
        await rt.events.emit(cmd.job_id, JobMessage(text=text, level="warning"))

    async def tell(text: str, level: str) -> None:
        await rt.events.emit(cmd.job_id, JobMessage(text=text, level=level))

    async with ExchangeClient(rt.settings, notify) as client, contextlib.AsyncExitStack() as stack:
        check = await DumpCheck.open(rt.pool, storage, cmd, state, stack)

        async def feed(state: RebuildState, trades: pa.Table | pl.DataFrame, reached_ms: int, done: bool) -> None:
            await send(rt, cmd, state, state.aggregator.feed(trades), force=False, check=check)
            await _keep_raw(rt, storage, cmd, state, trades, done)
            if done:
                await send(rt, cmd, state, state.aggregator.finish(cmd.end_ms), force=True, check=check)
                state.finished = True
            await checkpoint.save(rt.pool, cmd.job_id, state)
            await report(rt, cmd, state, reached_ms, done)
            await stop_if_ended(rt.events, cmd.job_id)

        async def on_chunk(state: RebuildState, trades: pl.DataFrame, reached_ms: int) -> None:
            await feed(state, trades, reached_ms, False)

        async def on_page(state: RebuildState, trades: pa.Table, done: bool) -> None:
            await feed(state, trades, int(state.cursor) // NS_PER_MS, done)

        market = await client.market(cmd.symbol)
        if not state.finished:
            handover = await import_dumps(rt, storage, cmd, state, market["info"]["altname"], on_chunk, notify)
            if handover is not None and handover >= cmd.end_ms:
                await feed(state, pl.DataFrame(schema={"ts": pl.Int64, "price": pl.Float64, "volume": pl.Float64}),
                           cmd.end_ms, True)
        if not state.finished:
            await page_trades(client, market["id"], state, cmd.end_ms, on_page)
        comparisons = {}
        if cmd.options.get("compare_with_ohlc", True):
            comparisons = await check_against_ohlc(client, cmd, state, market["id"], tell)
        with_dump = await check.tell(tell)
    await rt.events.emit(cmd.job_id, JobFetched(
        batch_ids=state.batch_ids, trades=state.trades, exchange_calls=state.calls,
        dump_trades=sum(state.dump_rows.values()), comparisons=comparisons, dump_comparisons=with_dump,
        trade_files=[storage.uri(k) for k in state.raw.files] if state.raw else [],
        trades_written=state.raw.written if state.raw else 0,
    ), dedup_key="fetched")
    await checkpoint.drop(rt.pool, cmd.job_id)
    log.info("job.rebuilt", job_id=str(cmd.job_id), trades=state.trades, calls=state.calls,
             dump_trades=sum(state.dump_rows.values()), batches=len(state.batch_ids),
             dump_compared={tf: r["compared"] for tf, r in with_dump.items()})
