"""Rebuilt candles held against Kraken's OHLCVT dump: in every timeframe the dump has (1m to 1d), each
candle a cached dump member vouches for (from its first row to its last row's close) is compared as its
batch goes to the writer. Kraken builds both from the same trades, so they must agree; a candle on one
side only is a difference too. Filled (synthetic) candles have no counterpart and are left out.

Each member is read once, forward, in step with the batches; after a restart it is opened again at the
first batch not yet compared, and the report so far comes back with the checkpoint."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import asyncpg
import pyarrow as pa
import pyarrow.compute as pc

from services.rebuilder.ohlc_check import Notify, compare_window, report_text
from services.rebuilder.saved import Saved
from shared.jobs.commands import JobCommand
from shared.kraken.dumps.cache import local_zip
from shared.kraken.dumps.csv_rows import DumpError
from shared.kraken.dumps.members import ohlcvt_members
from shared.kraken.dumps.ohlcvt import iter_member_candles
from shared.kraken.dumps.trade_stretches import DumpStretch, chain_spans
from shared.lake.comparison import add_comparisons
from shared.lake.schema import SCHEMA
from shared.lake.storage import Storage

AGAINST = "Kraken's OHLCVT dump"


async def member_stretches(pool: asyncpg.Pool, cmd: JobCommand, tf: str) -> list[DumpStretch]:
    """The cached members of tf's interval over the job's range, the one reaching furthest first."""
    members = await ohlcvt_members(pool, cmd.exchange, cmd.symbol, tf)
    spans = [(m.name, m.artifact, m.member, m.start_ms, m.end_ms) for m in members]
    return chain_spans(spans, cmd.start_ms, cmd.end_ms, skip_gaps=True)


@dataclass
class DumpComparison:
    """Per timeframe: the members to compare with, the comparison so far, and why a member was not read."""
    stretches: dict[str, list[DumpStretch]] | None = None  # None until planned at the job's start
    reports: dict[str, dict] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    async def plan(self, pool: asyncpg.Pool, cmd: JobCommand) -> None:
        if self.stretches is None:  # fixed at the job's start, so a restart compares the same
            wanted = cmd.timeframes if cmd.options.get("compare_with_dump", True) else []
            self.stretches = {tf: await member_stretches(pool, cmd, tf) for tf in wanted}

    def to_saved(self) -> Saved:
        stretches = self.stretches and {tf: [asdict(s) for s in members] for tf, members in self.stretches.items()}
        return Saved({"stretches": stretches, "reports": self.reports, "errors": self.errors})

    @classmethod
    def from_saved(cls, saved: Saved) -> DumpComparison:
        doc = saved.document
        stretches = doc["stretches"] and {tf: [DumpStretch(**s) for s in members]
                                          for tf, members in doc["stretches"].items()}
        return cls(stretches, doc["reports"], doc["errors"])


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

    def __init__(self, storage: Storage, comparison: DumpComparison, stack: contextlib.AsyncExitStack) -> None:
        self.storage, self.comparison, self.stack = storage, comparison, stack
        self._paths: dict[str, Path] = {}
        self._readers: dict[tuple[str, str], MemberReader] = {}

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
        for stretch in (self.comparison.stretches or {}).get(tf, []):
            lo, hi = max(span[0], stretch.start_ms), min(span[1], stretch.end_ms)
            if lo >= hi:
                continue
            try:
                theirs = await (await self._reader(tf, stretch, lo)).take(lo, hi)
            except DumpError as exc:  # a cached member was read whole once; it may be gone since
                self.comparison.errors[tf] = f"{stretch.name}: {exc}"
                continue
            report = compare_window(real, theirs, lo, hi)
            self.comparison.reports[tf] = add_comparisons(self.comparison.reports.get(tf), report)

    async def tell(self, notify: Notify) -> dict[str, dict]:
        for tf, report in self.comparison.reports.items():
            await notify(*report_text(tf, report, AGAINST))
        for tf, error in self.comparison.errors.items():
            await notify(f"{tf}: not compared with {AGAINST}: {error}", "warning")
        return self.comparison.reports
