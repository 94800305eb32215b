"""Rebuilt candles held against Kraken's OHLCVT dump: in every timeframe the dump has (1m to 1d), each
candle a cached dump member vouches for (from its first row to its last row's close) is compared as its
batch goes to the writer. Kraken builds both from the same trades, so they must agree; a candle on one
side only is a difference too. Filled (synthetic) candles have no counterpart and are left out.

Each member is read once, forward, in step with the batches; after a restart it is opened again at the
first batch not yet compared, and the report so far comes back with the checkpoint."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pyarrow as pa
import pyarrow.compute as pc

from services.rebuilder.checkpoint import RebuildState
from services.rebuilder.ohlc_check import compare_window, report_text
from services.rebuilder.sending import timeframes_of
from shared.jobs.commands import JobCommand
from shared.kraken.dumps.cache import local_zip
from shared.kraken.dumps.csv_rows import DumpError
from shared.kraken.dumps.ohlcvt import iter_member_candles
from shared.kraken.dumps.trade_stretches import DumpStretch, chain_spans
from shared.lake.comparison import add_comparisons
from shared.lake.schema import SCHEMA
from shared.lake.storage import Storage
from shared.lake.timeframes import millis, to_ms
from shared.planning.inputs import DUMP_MINUTES

AGAINST = "Kraken's OHLCVT dump"
_MEMBERS = ("SELECT f.name, f.artifact, m.member, m.first_ts, m.last_ts FROM dump_members m"
            " JOIN dump_files f USING (kind, name) JOIN markets k ON k.altname = m.altname"
            " WHERE m.kind = 'ohlcvt' AND k.exchange = $1 AND k.symbol = $2 AND m.minutes = $3 AND m.rows > 0")
Notify = Callable[[str, str], Awaitable[None]]


async def member_stretches(pool: asyncpg.Pool, cmd: JobCommand, tf: str) -> list[DumpStretch]:
    """The cached members of tf's interval over the job's range, the one reaching furthest first."""
    if tf not in DUMP_MINUTES:
        return []
    rows = await pool.fetch(_MEMBERS, cmd.exchange, cmd.symbol, DUMP_MINUTES[tf])
    spans = [(r["name"], r["artifact"], r["member"], to_ms(r["first_ts"]), to_ms(r["last_ts"]) + millis(tf))
             for r in rows]
    return chain_spans(spans, cmd.start_ms, cmd.end_ms, skip_gaps=True)


def _ts(table: pa.Table) -> pa.Array:
    return table.column("ts").cast(pa.int64())


class MemberReader:
    """One member read forward: the candles of [lo, hi) at each call, lo never going back."""

    def __init__(self, path: Path, member: str, start_ms: int, end_ms: int) -> None:
        self._rows = iter_member_candles(path, member, start_ms, end_ms)
        self._left = SCHEMA.empty_table()
        self._done = False

    async def take(self, lo: int, hi: int) -> pa.Table:
        parts = [self._left]
        while not self._done and (not parts[-1].num_rows or _ts(parts[-1])[-1].as_py() < hi):
            block = await asyncio.to_thread(next, self._rows, None)
            self._done = block is None
            parts += [] if block is None else [block]
        table = pa.concat_tables(parts)
        ts = _ts(table)
        self._left = table.filter(pc.greater_equal(ts, hi))
        return table.filter(pc.and_(pc.greater_equal(ts, lo), pc.less(ts, hi)))


class DumpCheck:
    """Compares each batch of rebuilt candles with the dump's, accumulating a report per timeframe."""

    def __init__(self, storage: Storage, state: RebuildState, stack: contextlib.AsyncExitStack) -> None:
        self.storage, self.state, self.stack = storage, state, stack
        self._paths: dict[str, Path] = {}
        self._readers: dict[tuple[str, str], MemberReader] = {}

    @classmethod
    async def open(cls, pool: asyncpg.Pool, storage: Storage, cmd: JobCommand, state: RebuildState,
                   stack: contextlib.AsyncExitStack) -> DumpCheck:
        if state.dump_stretches is None:  # fixed at the job's start, so a restart compares the same
            wanted = timeframes_of(cmd) if cmd.options.get("compare_with_dump", True) else []
            state.dump_stretches = {tf: await member_stretches(pool, cmd, tf) for tf in wanted}
        return cls(storage, state, stack)

    async def _reader(self, tf: str, stretch: DumpStretch, lo: int) -> MemberReader:
        key = (tf, stretch.name)
        if key not in self._readers:
            if stretch.artifact not in self._paths:
                self._paths[stretch.artifact] = await self.stack.enter_async_context(
                    local_zip(self.storage, stretch.artifact))
            self._readers[key] = MemberReader(self._paths[stretch.artifact], stretch.member, lo, stretch.end_ms)
        return self._readers[key]

    async def __call__(self, tf: str, table: pa.Table, span: tuple[int, int]) -> None:
        real = table.filter(pc.greater(pc.fill_null(table.column("trades"), 1), 0))
        for stretch in self.state.dump_stretches.get(tf, []):
            lo, hi = max(span[0], stretch.start_ms), min(span[1], stretch.end_ms)
            if lo >= hi:
                continue
            try:
                theirs = await (await self._reader(tf, stretch, lo)).take(lo, hi)
            except DumpError as exc:  # a cached member was read whole once; it may be gone since
                self.state.dump_errors[tf] = f"{stretch.name}: {exc}"
                continue
            report = compare_window(real, theirs, lo, hi)
            self.state.dump_reports[tf] = add_comparisons(self.state.dump_reports.get(tf), report)

    async def tell(self, notify: Notify) -> dict[str, dict]:
        for tf, report in self.state.dump_reports.items():
            await notify(*report_text(tf, report, AGAINST))
        for tf, error in self.state.dump_errors.items():
            await notify(f"{tf}: not compared with {AGAINST}: {error}", "warning")
        return self.state.dump_reports
