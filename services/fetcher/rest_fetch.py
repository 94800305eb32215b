"""The REST part of a plan: one OHLC call (Kraken gives nothing older than its window), turned into
candle batches that vouch for every bucket of the window they cover."""

from __future__ import annotations

from dataclasses import dataclass

from shared.jobs.batches import batches_over
from shared.jobs.commands import CandleBatch, JobCommand
from shared.kraken.candles import Candles
from shared.kraken.client import ExchangeClient
from shared.kraken.constants import OHLC_INTERVAL
from shared.kraken.ohlc_window import WindowResult, fortnights, read_window
from shared.lake.timeframes import millis


@dataclass
class RestOutcome:
    batches: list[CandleBatch]
    window: WindowResult
    span: tuple[int, int] | None


def _two_week_candles(window: WindowResult, start_ms: int, end_ms: int) -> Candles:
    step = millis("2w")
    whole = fortnights(window.candles)
    return whole.pick([i for i, ts in enumerate(whole.ts) if ts >= max(start_ms, window.window_start_ms or 0)
                       and ts + step <= min(end_ms, window.committed_end_ms or 0)])


def vouched_span(window: WindowResult, start_ms: int, end_ms: int, step: int) -> tuple[int, int] | None:
    """The part of [start, end) the answer speaks for: inside the window, committed, whole buckets."""
    if window.window_start_ms is None or window.committed_end_ms is None:
        return None
    lo = -(-max(start_ms, window.window_start_ms) // step) * step
    hi = min(end_ms, window.committed_end_ms) // step * step
    return (lo, hi) if lo < hi else None


async def fetch_rest(client: ExchangeClient, cmd: JobCommand, market_id: str, batch_rows: int,
                     start_ms: int, end_ms: int, provisional_s: int = 600) -> RestOutcome:
    window = read_window(await client.ohlc(market_id, OHLC_INTERVAL[cmd.timeframe]), start_ms, end_ms)
    candles = _two_week_candles(window, start_ms, end_ms) if cmd.timeframe == "2w" else window.candles
    span = vouched_span(window, start_ms, end_ms, millis(cmd.timeframe))
    if span is None:
        return RestOutcome([], window, None)
    batches = batches_over(candles.table(), span, batch_rows, job_id=cmd.job_id, exchange=cmd.exchange,
                           symbol=cmd.symbol, timeframe=cmd.timeframe, source="rest", prefix="rest")
    # Kraken may still revise candles that closed shortly before its answer: the ledger marks them.
    # The mark sits on a candle boundary (the first young candle's open), so a refresh starts on one.
    step = millis(cmd.timeframe)
    young = -(-((window.committed_end_ms or 0) - provisional_s * 1000 - step) // step) * step
    for batch in batches:
        batch.provisional_from_ms = young
    return RestOutcome(batches, window, span)
