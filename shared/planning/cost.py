"""What a rebuild from Kraken's Trades will cost, known before it starts from Kraken's own OHLC trade
counts (shared/planning/trade_counts.py), so an expensive job can be shown and confirmed. The part a
trading-history dump covers costs no call: it is read locally."""

from __future__ import annotations

import asyncpg

from shared.kraken.client import ExchangeClient
from shared.kraken.dumps.trade_reach import known_stretches
from shared.lake.timeframes import iso
from shared.planning.count_cache import trade_counts
from shared.planning.trade_counts import TradeCounts, trades_calls
from shared.platform.settings import Settings

MINUTES_NAME = {60: "1h", 1440: "1d", 10080: "1w", 21600: "15d"}


def api_part(start_ms: int, end_ms: int, dump_end_ms: int | None) -> tuple[int, dict | None]:
    """Where the Trades API takes over (the dump's end, when the dump reaches into the range), and the
    dump's part of the range, which costs no call."""
    if dump_end_ms is None or dump_end_ms <= start_ms:
        return start_ms, None
    dump_to = min(dump_end_ms, end_ms)
    return dump_to, {"start_timestamp": iso(start_ms), "end_timestamp": iso(dump_to), "calls": 0}


def estimate(counts: TradeCounts | None, start_ms: int, end_ms: int, rate_limit_s: float) -> dict:
    """Trades, calls and seconds of paging [start_ms, end_ms) (nothing when it is empty); JSON-ready."""
    if end_ms <= start_ms or counts is None:
        trades, calls, read_from = 0, 0, []
    else:
        trades, read_from = counts.trades(start_ms, end_ms), counts.intervals(start_ms, end_ms)
        calls = trades_calls(trades)
    hours = max(end_ms - start_ms, 1) / 3_600_000
    return {"trades": trades, "calls": calls, "seconds": round(calls * rate_limit_s, 1),
            "start_timestamp": iso(start_ms), "end_timestamp": iso(end_ms),
            "density_per_hour": round(trades / hours, 1) if end_ms > start_ms else 0.0,
            "counted_from": [MINUTES_NAME[m] for m in read_from]}


def api_parts(start_ms: int, end_ms: int, dumps: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) that the Trades API pages: around the dump stretches, in order."""
    out, cursor = [], start_ms
    for lo, hi in sorted(dumps):
        if lo > cursor:
            out.append((cursor, min(lo, end_ms)))
        cursor = max(cursor, hi)
    return out + ([(cursor, end_ms)] if cursor < end_ms else [])


async def estimate_after_dump(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings, exchange: str,
                              symbol: str, start_ms: int, end_ms: int) -> dict:
    """A trade rebuild's estimate: the parts trading-history dumps hold, wherever they lie in the range,
    are read locally; the rest is paged from Kraken's Trades (one paging per part between them), whose
    trades Kraken's OHLC counts tell."""
    market = await client.market(symbol)
    stretches = await known_stretches(pool, settings.kraken_trades_source, exchange, symbol, market.altname,
                                      start_ms, end_ms, skip_gaps=True)
    dumped = [(s.start_ms, s.end_ms) for s in stretches]
    parts = api_parts(start_ms, end_ms, dumped)
    counts, calls = None, 0
    if parts:
        counts, calls = await trade_counts(pool, client, settings, exchange, symbol, market.id, parts[0][0],
                                           parts[-1][1])
    api_start = parts[0][0] if parts else end_ms
    got = estimate(counts, api_start, end_ms, settings.kraken_rate_limit_ms / 1000)
    if counts is not None:
        trades = [counts.trades(lo, hi) for lo, hi in parts]
        got |= {"trades": sum(trades), "calls": sum(trades_calls(n) for n in trades)}
        got["seconds"] = round(got["calls"] * settings.kraken_rate_limit_ms / 1000, 1)
    first = api_part(start_ms, end_ms, api_start if dumped and dumped[0][0] <= start_ms else None)[1]
    return got | {"ohlc_calls": calls, "dump_part": first,
                  "dump_parts": [{"start_timestamp": iso(s.start_ms), "end_timestamp": iso(s.end_ms), "calls": 0,
                                  "file": s.name} for s in stretches]}
