"""One trade_rebuild job run on from its checkpoint: the trading-history dump's trades first (where one
is cached), then Kraken's Trades pages (and any dump file further in the range, where they reach it); each chunk or page fed to the aggregator, the closed candles sent,
the raw trades kept, and the checkpoint saved; at the end the candles are held against Kraken's own."""

from __future__ import annotations

import contextlib

import polars as pl
import pyarrow as pa

from services.rebuilder import checkpoint
from services.rebuilder.checkpoint import Checkpoint
from services.rebuilder.dump_check import DumpCheck
from services.rebuilder.dump_import import import_dumps, import_later, later_dumps
from services.rebuilder.ohlc_check import check_against_ohlc
from services.rebuilder.progress import report
from services.rebuilder.rebuild import page_trades
from services.rebuilder.sending import send
from services.rebuilder.trade_store import write_flush
from shared.jobs.commands import JobCommand
from shared.jobs.events.payloads import JobMessage
from shared.jobs.lifecycle import stop_if_ended
from shared.kraken.answers import Market
from shared.kraken.budget import budget_for
from shared.kraken.client import ExchangeClient
from shared.kraken.constants import NS_PER_MS
from shared.lake.storage import Storage
from shared.service.runtime import Runtime

NO_TRADES = pl.DataFrame(schema={"ts": pl.Int64, "price": pl.Float64, "volume": pl.Float64})
Comparisons = dict[str, dict]  # per timeframe, a comparison report


class Rebuild:
    """A job's run: the checkpointed state it goes on from, and the steps that change it."""

    def __init__(self, rt: Runtime, storage: Storage, cmd: JobCommand, state: Checkpoint) -> None:
        self.rt, self.storage, self.cmd, self.state = rt, storage, cmd, state
        self.stack = contextlib.AsyncExitStack()  # the OHLCVT dump files open for the comparison
        self.dump_check = DumpCheck(storage, state.dump_comparison, self.stack)

    async def notify(self, text: str, level: str = "warning") -> None:
        await self.rt.events.emit(self.cmd.job_id, JobMessage(text=text, level=level))

    async def run(self) -> tuple[Comparisons, Comparisons]:
        """Rebuilds what the checkpoint has not; the comparisons with Kraken's OHLC and OHLCVT dump."""
        cmd, cursor = self.cmd, self.state.cursor
        budget = budget_for(self.rt.pool, self.rt.settings)
        async with ExchangeClient(self.rt.settings, self.notify, budget) as client, self.stack:
            await self.state.dump_comparison.plan(self.rt.pool, cmd)
            market = await client.market(cmd.symbol)
            if not cursor.finished:
                handover = await import_dumps(self.rt, self.storage, cmd, cursor, market.altname,
                                              self.on_chunk, self.notify)
                if handover is not None and handover >= cmd.end_ms:
                    await self.feed(NO_TRADES, cmd.end_ms, True)
            if not cursor.finished:
                await self.page_to_later_dumps(client, market, handover or cmd.start_ms)
            if not cursor.finished:
                await page_trades(client, market.id, cursor, cmd.end_ms, self.on_page)
            comparisons = {}
            if cmd.options.get("compare_with_ohlc", True):
                comparisons = await check_against_ohlc(client, cmd, self.state.recent, market.id, self.notify)
            return comparisons, await self.dump_check.tell(self.notify)

    async def page_to_later_dumps(self, client: ExchangeClient, market: Market, after_ms: int) -> None:
        """Pages Kraken's Trades up to each dump file further in the range, then reads that file."""
        cursor = self.state.cursor
        for stretch in await later_dumps(self.rt, self.cmd, market.altname, after_ms):
            if stretch.name in cursor.later_done:
                continue
            if not cursor.dump_rows.get(stretch.name):  # a restart inside the file goes on reading it

                async def on_page(trades: pa.Table, done: bool) -> None:
                    await self.feed(trades, int(cursor.since) // NS_PER_MS, False)  # the range goes on

                await page_trades(client, market.id, cursor, stretch.start_ms, on_page)
            await import_later(self.rt, self.storage, self.cmd, cursor, stretch, self.on_chunk)
            await self.feed(NO_TRADES, stretch.end_ms, stretch.end_ms >= self.cmd.end_ms)

    async def on_chunk(self, trades: pl.DataFrame, reached_ms: int) -> None:
        await self.feed(trades, reached_ms, False)

    async def on_page(self, trades: pa.Table, done: bool) -> None:
        await self.feed(trades, int(self.state.cursor.since) // NS_PER_MS, done)

    async def feed(self, trades: pa.Table | pl.DataFrame, reached_ms: int, done: bool) -> None:
        state, cmd = self.state, self.cmd
        await self.send(state.aggregator.feed(trades), force=False)
        await self.keep_raw(trades, done)
        if done:
            await self.send(state.aggregator.finish(cmd.end_ms), force=True)
            state.cursor.finished = True
        await checkpoint.save(self.rt.pool, cmd.job_id, state)
        await report(self.rt, cmd, state.cursor, reached_ms, done)
        await stop_if_ended(self.rt.events, cmd.job_id)

    async def send(self, closed: dict[str, pa.Table], force: bool) -> None:
        await send(self.rt, self.cmd, self.state.outbox, closed, force, self.check)

    async def check(self, tf: str, table: pa.Table, span: tuple[int, int]) -> None:
        """Sees each batch before it goes: kept for the REST OHLC check, compared with the OHLCVT dump."""
        self.state.recent.keep(tf, table, self.cmd.end_ms)
        await self.dump_check(tf, table, span)

    async def keep_raw(self, trades: pa.Table | pl.DataFrame, final: bool) -> None:
        raw = self.state.raw_trades
        if raw is None:
            return
        raw.add(trades)
        if (flush := raw.due(final, self.cmd.end_ms * NS_PER_MS)) is not None:
            await write_flush(self.rt.pool, self.storage, raw, flush)
