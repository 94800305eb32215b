"""Rebuilt candles held against Kraken's own: where the REST OHLC window (its newest 720 candles)
overlaps the rebuilt range, every overlapping candle is compared, and the job is told the outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from services.rebuilder.saved import Saved
from shared.jobs.commands import JobCommand
from shared.kraken.client import ExchangeClient
from shared.kraken.constants import BUILT_FROM, OHLC_INTERVAL, OHLC_WINDOW
from shared.kraken.ohlc_window import read_window, rest_window
from shared.lake.comparison import compare_candles
from shared.lake.schema import SCHEMA
from shared.lake.timeframes import millis

Notify = Callable[[str, str], Awaitable[None]]  # a job message: its text and level


@dataclass
class RecentCandles:
    """Per timeframe, the rebuilt candles Kraken's REST window (its newest 720) may still hold, kept as
    their batches go to the writer, to check them against it at the end."""
    tables: dict[str, pa.Table] = field(default_factory=dict)

    def keep(self, tf: str, table: pa.Table, end_ms: int) -> None:
        since = end_ms - OHLC_WINDOW * millis(tf)
        fresh = table.filter(pc.greater_equal(table.column("ts").cast(pa.int64()), since))
        if fresh.num_rows:
            both = pa.concat_tables([t for t in (self.tables.get(tf), fresh) if t is not None])
            self.tables[tf] = both.slice(max(0, both.num_rows - OHLC_WINDOW))

    def to_saved(self) -> Saved:
        return Saved({}, dict(self.tables))

    @classmethod
    def from_saved(cls, saved: Saved) -> RecentCandles:
        return cls(dict(saved.tables))


def compare_window(ours: pa.Table | None, theirs: pa.Table, lo: int, hi: int) -> dict:
    """Every candle of [lo, hi) on either side: equal where both have it, and a candle only one side
    has counts as a difference (Kraken's flat no-trade rows are no candle)."""
    ours = ours if ours is not None else SCHEMA.empty_table()
    ts = ours.column("ts").cast(pa.int64())
    ours = ours.filter(pc.and_(pc.greater_equal(ts, lo), pc.less(ts, hi)))
    report = compare_candles(ours, theirs)
    mine = set(ours.column("ts").cast(pa.int64()).to_pylist())
    kraken = set(theirs.column("ts").cast(pa.int64()).to_pylist())
    report["only_rebuilt"], report["only_kraken"] = len(mine - kraken), len(kraken - mine)
    report["differing"] += report["only_rebuilt"] + report["only_kraken"]
    return report


def report_text(tf: str, report: dict, against: str = "Kraken's OHLC") -> tuple[str, str]:
    total = report["compared"] + report["only_rebuilt"] + report["only_kraken"]
    if not report["differing"]:
        return f"{tf}: {report['matched']} of {total} candles match {against}", "info"
    return (f"{tf}: {report['differing']} of {total} candles differ from {against} ({report['only_rebuilt']}"
            f" only rebuilt, {report['only_kraken']} only at Kraken; largest relative difference"
            f" {report['max_rel_diff']:.3g})", "warning")


async def check_against_ohlc(client: ExchangeClient, cmd: JobCommand, recent: RecentCandles, market_id: str,
                             emit: Notify) -> dict[str, dict]:
    now_ms = await client.server_time_ms()
    out = {}
    for tf in cmd.timeframes:
        step = millis(tf)
        window_start, committed_end = rest_window(now_ms, step)
        lo, hi = max(cmd.start_ms, window_start), min(cmd.end_ms // step * step, committed_end)
        if tf in BUILT_FROM or lo >= hi:  # Kraken has no candle of its own to hold a built one against
            continue
        theirs = read_window(await client.ohlc(market_id, OHLC_INTERVAL[tf]), lo, hi).candles.table()
        out[tf] = compare_window(recent.tables.get(tf), theirs, lo, hi)
        await emit(*report_text(tf, out[tf]))
    return out
