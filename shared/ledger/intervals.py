"""The coverage ledger's interval algebra, for one (exchange, symbol, timeframe). Pure.

An interval says what the lake knows about a span of time: `data` (candles from `source`, the
buckets between them confirmed empty), `no_trades` (confirmed empty) or `missing`. Intervals of one
key never overlap; new knowledge is laid over the old point by point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from shared.lake.schema import SOURCE_RANK

STATE_RANK = {"missing": 0, "no_trades": 1, "data": 2}


@dataclass(frozen=True)
class Interval:
    start_ms: int
    end_ms: int  # exclusive
    state: str  # data | no_trades | missing
    source: str | None = None  # who vouched: zip | trades | rest
    provisional: bool = False  # young REST candles Kraken may still revise


def _runs(ts_ms: Sequence[int], step_ms: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for ts in ts_ms:
        if runs and runs[-1][1] == ts:
            runs[-1] = (runs[-1][0], ts + step_ms)
        else:
            runs.append((ts, ts + step_ms))
    return runs


def span_intervals(span_start_ms: int, span_end_ms: int, ts_ms: Sequence[int], step_ms: int, source: str,
                   provisional_from_ms: int | None = None) -> list[Interval]:
    """A producer vouches for [span_start, span_end): `ts_ms` are its candles, every other bucket had
    no trades. Runs of consecutive candles become `data`, the gaps `no_trades`."""
    out, cursor = [], span_start_ms
    for lo, hi in _runs(ts_ms, step_ms):
        if lo > cursor:
            out.append(Interval(cursor, lo, "no_trades", source))
        out.append(Interval(lo, hi, "data", source))
        cursor = hi
    if cursor < span_end_ms:
        out.append(Interval(cursor, span_end_ms, "no_trades", source))
    if provisional_from_ms is None:
        return out
    split = []
    for i in out:
        if i.start_ms < provisional_from_ms < i.end_ms:
            split += [replace(i, end_ms=provisional_from_ms), replace(i, start_ms=provisional_from_ms, provisional=True)]
        else:
            split.append(replace(i, provisional=i.start_ms >= provisional_from_ms))
    return split


def _strength(i: Interval) -> tuple[int, int, int]:
    # A stored candle outranks any claim of emptiness; a trusted source outranks a lesser one; a
    # final REST candle outranks a provisional one.
    return STATE_RANK[i.state], SOURCE_RANK.get(i.source or "", 0), int(not i.provisional)


def _coalesce(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for i in intervals:
        last = out[-1] if out else None
        if last and last.end_ms == i.start_ms and (last.state, last.source, last.provisional) == (
                i.state, i.source, i.provisional):
            out[-1] = replace(last, end_ms=i.end_ms)
        else:
            out.append(i)
    return out


def merge_ledger(existing: list[Interval], new: list[Interval]) -> list[Interval]:
    """Lays `new` over `existing`: at each point the stronger claim wins, a tie goes to the new one."""
    bounds = sorted({b for i in (*existing, *new) for b in (i.start_ms, i.end_ms)})
    old_sorted, new_sorted = sorted(existing, key=lambda i: i.start_ms), sorted(new, key=lambda i: i.start_ms)
    out, oi, ni = [], 0, 0
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        while oi < len(old_sorted) and old_sorted[oi].end_ms <= lo:
            oi += 1
        while ni < len(new_sorted) and new_sorted[ni].end_ms <= lo:
            ni += 1
        old = old_sorted[oi] if oi < len(old_sorted) and old_sorted[oi].start_ms <= lo else None
        fresh = new_sorted[ni] if ni < len(new_sorted) and new_sorted[ni].start_ms <= lo else None
        pick = fresh if old is None or (fresh is not None and _strength(fresh) >= _strength(old)) else old
        if pick is not None:
            out.append(replace(pick, start_ms=lo, end_ms=hi))
    return _coalesce(out)


def _clip(ranges: list[tuple[int, int]], start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        lo, hi = max(lo, start_ms), min(hi, end_ms)
        if lo >= hi:
            continue
        if out and out[-1][1] >= lo:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def held(ledger: list[Interval], start_ms: int, end_ms: int, *, provisional: bool = False) -> list[tuple[int, int]]:
    """What needs no fetching: data or confirmed emptiness, not provisional. With `provisional`, what is
    stored: young REST candles too, which a refresh fetches again but which are in the lake."""
    return _clip([(i.start_ms, i.end_ms) for i in ledger
                  if i.state != "missing" and (provisional or not i.provisional)], start_ms, end_ms)


def gaps(ledger: list[Interval], start_ms: int, end_ms: int, *, provisional: bool = False) -> list[tuple[int, int]]:
    """The rest of the range: what is still to fetch, or with `provisional`, what is not stored at all."""
    out, cursor = [], start_ms
    for lo, hi in held(ledger, start_ms, end_ms, provisional=provisional):
        if lo > cursor:
            out.append((cursor, lo))
        cursor = hi
    if cursor < end_ms:
        out.append((cursor, end_ms))
    return out


def listing(ledger: list[Interval], start_ms: int | None, end_ms: int | None) -> list[Interval]:
    """The intervals inside the window, with every hole between them shown as `missing`."""
    if not ledger:
        return []
    ordered = sorted(ledger, key=lambda i: i.start_ms)
    lo = ordered[0].start_ms if start_ms is None else start_ms
    hi = max(i.end_ms for i in ordered) if end_ms is None else end_ms
    out, cursor = [], lo
    for i in ordered:
        s, e = max(i.start_ms, lo), min(i.end_ms, hi)
        if s >= e:
            continue
        if s > cursor:
            out.append(Interval(cursor, s, "missing"))
        out.append(replace(i, start_ms=s, end_ms=e))
        cursor = e
    if cursor < hi:
        out.append(Interval(cursor, hi, "missing"))
    return out
