"""The source planner: which part of a requested range comes from where, and what it costs. Pure.

No single Kraken source covers a long range: REST reaches only the newest 720 candles, the OHLCVT
dump ends at its last quarter, trades reach everything at 1,000 per call. Each point of the range
takes the first source that can give it: what the lake holds, the dump, REST, then trades. A trades
part that a cached trading-history dump holds is its own segment, naming the file: it costs no call."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shared.kraken.constants import OHLC_WINDOW
from shared.lake.timeframes import millis
from shared.planning.trade_counts import TradeCounts, trades_calls

ZIP_ROWS_PER_S = 2_000_000  # local parsing of a dump member, roughly


@dataclass(frozen=True)
class DumpExtent:
    name: str  # e.g. Kraken_OHLCVT_Q1_2024.zip
    member: str  # e.g. XBTUSD_1.csv
    start_ms: int  # first row's open time
    end_ms: int  # last row's open time + step: the dump vouches for [start, end)


@dataclass(frozen=True)
class PlanRequest:
    start_ms: int
    end_ms: int
    timeframe: str
    held: list[tuple[int, int]]
    dumps: list[DumpExtent]  # newest last; a later one wins where two cover the same time
    rest_window: tuple[int, int] | None  # [first candle, close of the last committed one)
    trade_counts: TradeCounts | None = None  # Kraken's OHLC counts over the trades segments
    rate_limit_s: float = 1.2
    seed_from_zip: bool = True
    # The trading-history dump's stretches (file, CSV member, [start, end)) inside the range, wherever
    # they lie: a rebuild reads those from the file.
    trade_dumps: tuple[DumpExtent, ...] = ()


@dataclass(frozen=True)
class Segment:
    kind: str  # covered | zip | rest | trades (from Kraken's Trades API, or from a trading-history dump)
    start_ms: int  # the part of the request this segment fills
    end_ms: int
    fetch_start_ms: int  # what is fetched: one candle more across a seam, so the sources meet
    fetch_end_ms: int
    calls: int = 0
    rows: int = 0
    seconds: float = 0.0
    dump: str | None = None
    member: str | None = None
    note: str = ""
    trades: int = 0  # trades segments: the trades Kraken's Trades API must page through


def _inside(lo: int, hi: int, ranges) -> bool:
    return any(a <= lo and hi <= b for a, b in ranges)


def _classify(req: PlanRequest, lo: int, hi: int) -> tuple[str, DumpExtent | None]:
    if _inside(lo, hi, req.held):
        return "covered", None
    dumps = [d for d in req.dumps if d.start_ms <= lo and hi <= d.end_ms] if req.seed_from_zip else []
    if dumps:
        return "zip", dumps[-1]
    if req.rest_window and _inside(lo, hi, [req.rest_window]):
        return "rest", None
    held = [d for d in req.trade_dumps if d.start_ms <= lo and hi <= d.end_ms]
    return "trades", (held[-1] if held else None)


def _pieces(req: PlanRequest, start: int, end: int) -> list[Segment]:
    cuts = {start, end}
    extents = [*req.dumps, *req.trade_dumps]
    for lo, hi in [*req.held, *((d.start_ms, d.end_ms) for d in extents), *([req.rest_window] if req.rest_window else [])]:
        cuts |= {c for c in (lo, hi) if start < c < end}
    bounds, out = sorted(cuts), []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        kind, dump = _classify(req, lo, hi)
        last = out[-1] if out else None
        if last and last.kind == kind and last.dump == (dump.name if dump else None):
            out[-1] = replace(last, end_ms=hi, fetch_end_ms=hi)
        else:
            out.append(Segment(kind, lo, hi, lo, hi, dump=dump.name if dump else None,
                               member=dump.member if dump else None))
    return out


def _reaches(req: PlanRequest, seg: Segment, lo: int, hi: int) -> bool:
    if seg.kind == "trades" and seg.dump is not None:  # the dump's child reads its file alone
        return any(d.name == seg.dump and d.start_ms <= lo and hi <= d.end_ms for d in req.trade_dumps)
    if seg.kind == "trades":
        return True
    if seg.kind == "rest":
        return bool(req.rest_window) and _inside(lo, hi, [req.rest_window])
    if seg.kind == "zip":
        return any(d.name == seg.dump and d.start_ms <= lo and hi <= d.end_ms for d in req.dumps)
    return False  # covered: the lake already holds it, the neighbour reaches in and is compared


def _seams(req: PlanRequest, segments: list[Segment], step: int) -> list[Segment]:
    out = list(segments)
    preference = {"trades": 0, "rest": 1, "zip": 2, "covered": 3}
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        seam = b.start_ms
        options = [(preference[b.kind], "back", b) if _reaches(req, b, seam - step, seam) else None,
                   (preference[a.kind], "forward", a) if _reaches(req, a, seam, seam + step) else None]
        options = sorted(o[:2] for o in options if o)
        if not options:
            if a.kind != "covered" or b.kind != "covered":
                out[i + 1] = replace(b, note=(b.note + "; " if b.note else "") + "seam not comparable")
            continue
        if options[0][1] == "back":
            out[i + 1] = replace(b, fetch_start_ms=seam - step)
        else:
            out[i] = replace(a, fetch_end_ms=seam + step)
    return out


def _estimate(req: PlanRequest, seg: Segment, step: int) -> Segment:
    buckets = (seg.fetch_end_ms - seg.fetch_start_ms) // step
    if seg.kind == "covered":
        return replace(seg, note=seg.note or "already in the lake")
    if seg.kind == "zip":
        return replace(seg, rows=buckets, seconds=buckets / ZIP_ROWS_PER_S, note=seg.note or f"{seg.dump} {seg.member}")
    if seg.kind == "rest":
        return replace(seg, calls=1, rows=buckets, seconds=req.rate_limit_s,
                       note=seg.note or f"newest {OHLC_WINDOW} candles (REST)")
    if seg.dump is not None:
        return replace(seg, rows=buckets, note=(seg.note + "; " if seg.note else "")
                       + f"trading-history dump {seg.dump}, read locally")
    api_start = api_from(req.trade_dumps, seg.fetch_start_ms, seg.fetch_end_ms)
    if req.trade_counts is None:  # a first pass only: the counts are read for the segments it finds
        return replace(seg, rows=buckets, calls=1, seconds=req.rate_limit_s)
    trades = req.trade_counts.trades(api_start, seg.fetch_end_ms)
    calls = trades_calls(trades)
    note = f"{trades:,} trades by Kraken's OHLC counts"
    return replace(seg, calls=calls, rows=buckets, seconds=calls * req.rate_limit_s, trades=trades,
                   note=(seg.note + "; " if seg.note else "") + note)


def api_from(trade_dumps: tuple[DumpExtent, ...], start_ms: int, end_ms: int) -> int:
    """Where Kraken's Trades API takes over in a rebuild of [start, end): after the dump stretches
    chained from its start, as the rebuilder reads them."""
    cursor = start_ms
    while cursor < end_ms and (reaching := [d.end_ms for d in trade_dumps if d.start_ms <= cursor < d.end_ms]):
        cursor = max(reaching)
    return min(cursor, end_ms)


def plan(req: PlanRequest) -> list[Segment]:
    """Ordered, contiguous segments over [start, end), both floored to the timeframe's step (a bucket
    is asked for by its open time, and the last one must have closed)."""
    step = millis(req.timeframe)
    start, end = req.start_ms // step * step, req.end_ms // step * step
    if end <= start:
        return []
    segments = _seams(req, _pieces(req, start, end), step)
    return [_estimate(req, s, step) for s in segments]


def earliest_start(dumps: list[DumpExtent], first_trade_ms: int | None) -> int | None:
    """Where a full history starts: the dump's first row, else Kraken's first trade."""
    return min(d.start_ms for d in dumps) if dumps else first_trade_ms
