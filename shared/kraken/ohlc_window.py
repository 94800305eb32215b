"""Pure logic of the REST path: what one Kraken OHLC answer gives for a requested range, and what it
cannot give.

Kraken's OHLC endpoint answers with the 720 most recent candles whatever `since` says, the last of
them still open. So one answer holds everything REST can reach; the rest of the range is reported as
not fetched, with the reason, never dropped in silence."""

from __future__ import annotations

from dataclasses import dataclass

from shared.kraken.answers import OhlcWindow
from shared.kraken.candles import Candles
from shared.kraken.constants import OHLC_WINDOW
from shared.lake.timeframes import iso, millis

OLDER_THAN_WINDOW = (f"older than Kraken's REST window (the newest {OHLC_WINDOW} candles); "
                     "the OHLCVT dump or a trade rebuild can fill it")
STILL_OPEN = "the candle is still open at Kraken, so it is not final yet"


def rest_window(now_ms: int, step_ms: int) -> tuple[int, int]:
    """What an OHLC answer asked for at now_ms holds: [its first candle, the close of its last
    committed one). The newest of its candles is still open."""
    committed_end = now_ms // step_ms * step_ms
    return committed_end - (OHLC_WINDOW - 1) * step_ms, committed_end


@dataclass
class WindowResult:
    candles: Candles
    empty_intervals: int        # flat zero-volume rows: Kraken saw no trades there
    window_start_ms: int | None
    committed_end_ms: int | None  # close time of the last committed candle
    not_fetched: list[dict]


def gap(start_ms: int, end_ms: int, reason: str) -> dict:
    return {"start_timestamp": iso(start_ms), "end_timestamp": iso(end_ms), "reason": reason}


def read_window(answer: OhlcWindow, start_ms: int, end_ms: int) -> WindowResult:
    """Committed, non-empty candles of [start_ms, end_ms) from one OHLC answer.

    Rows after `last` are the open candle and are dropped. Flat rows with volume 0 are counted, not
    stored: the lake is sparse, as the dump is."""
    step = answer.interval_min * 60_000
    rows, last_ms = answer.candles, answer.last_s * 1000
    keep, empty = [], 0
    for i, ts in enumerate(rows.ts):
        if ts > last_ms or not start_ms <= ts < end_ms or ts + step > end_ms:
            continue
        if rows.volume[i] == 0.0:
            empty += 1
            continue
        keep.append(i)
    window_start = rows.ts[0] if len(rows) else None
    committed_end = (last_ms + step) if len(rows) else None
    not_fetched = []
    if window_start is None:
        not_fetched.append(gap(start_ms, end_ms, "Kraken returned no candles for this market"))
    else:
        if start_ms < window_start:
            not_fetched.append(gap(start_ms, min(end_ms, window_start), OLDER_THAN_WINDOW))
        tail_from = max(start_ms, committed_end)
        if tail_from < end_ms:
            not_fetched.append(gap(tail_from, end_ms, STILL_OPEN))
    return WindowResult(rows.pick(keep), empty, window_start, committed_end, not_fetched)


def fortnights(weeks: Candles) -> Candles:
    """2w candles from 1w ones. Both are aligned to the epoch, so each 2w bucket holds two whole weeks."""
    step = millis("2w")
    out = Candles()
    i = 0
    while i < len(weeks):
        bucket = weeks.ts[i] // step * step
        j = i
        while j < len(weeks) and weeks.ts[j] // step * step == bucket:
            j += 1
        part = weeks.slice(i, j)
        volume = sum(part.volume)
        pv = sum(v * (w or 0.0) for v, w in zip(part.volume, part.vwap, strict=True))
        out.append(bucket, part.open[0], max(part.high), min(part.low), part.close[-1], volume,
                   pv / volume if volume else None, sum(n or 0 for n in part.trades))
        i = j
    return out
