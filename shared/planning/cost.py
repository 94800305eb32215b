"""What a rebuild from Kraken's Trades will cost, estimated before it starts from the trade density
near each end of the part the Trades API must fetch (one Trades page each), so an expensive job can be
shown and confirmed. The part a trading-history dump covers costs no call: it is read locally."""

from __future__ import annotations

import math

import asyncpg

from shared.kraken.client import ExchangeClient
from shared.kraken.constants import TRADES_PAGE
from shared.kraken.dumps.trade_reach import dump_end_ms
from shared.kraken.trades import start_cursor
from shared.lake.timeframes import iso
from shared.planning.planner import Segment
from shared.platform.settings import Settings


def page_density(times_ms: list[int], since_ms: int, end_ms: int) -> float:
    """Trades per ms seen by one page asked for from since_ms. A full page spans its own time; a page
    that is short or runs past end_ms holds every trade up to end_ms, so it is an exact count."""
    inside = [t for t in times_ms if t < end_ms]
    if len(times_ms) < TRADES_PAGE or len(inside) < len(times_ms):
        return len(inside) / max(end_ms - since_ms, 1)
    return len(times_ms) / max(times_ms[-1] - since_ms, 1)


def api_part(start_ms: int, end_ms: int, dump_end_ms: int | None) -> tuple[int, dict | None]:
    """Where the Trades API takes over (the dump's end, when the dump reaches into the range), and the
    dump's part of the range, which costs no call."""
    if dump_end_ms is None or dump_end_ms <= start_ms:
        return start_ms, None
    dump_to = min(dump_end_ms, end_ms)
    return dump_to, {"start_timestamp": iso(start_ms), "end_timestamp": iso(dump_to), "calls": 0}


def estimate(densities: list[float], start_ms: int, end_ms: int, rate_limit_s: float) -> dict:
    trades = round(sum(densities) / len(densities) * (end_ms - start_ms)) if densities and end_ms > start_ms else 0
    calls = math.ceil(trades / TRADES_PAGE) + 1 if end_ms > start_ms else 0
    return {"trades": trades, "calls": calls, "seconds": round(calls * rate_limit_s, 1),
            "start_timestamp": iso(start_ms), "end_timestamp": iso(end_ms),
            "density_per_hour": round(sum(densities) / len(densities) * 3_600_000, 1) if densities else 0.0}


def sample_points(start_ms: int, end_ms: int) -> list[int]:
    """One page at the start, one a twentieth of the range (at least a minute) before the end."""
    if end_ms <= start_ms:
        return []
    near_end = max(start_ms, end_ms - max((end_ms - start_ms) // 20, 60_000))
    return [start_ms] + ([near_end] if near_end > start_ms else [])


async def _sample(client: ExchangeClient, market_id: str, since_ms: int, end_ms: int) -> float:
    page = await client.trades(market_id, since=start_cursor(since_ms))
    return page_density(page.times_ms(), since_ms, end_ms)


async def estimate_rebuild(client: ExchangeClient, market_id: str, start_ms: int, end_ms: int, *,
                           rate_limit_s: float, dump_end_ms: int | None = None) -> dict:
    """Trades, calls and seconds of the API part of [start_ms, end_ms); JSON-ready."""
    api_start, dump_part = api_part(start_ms, end_ms, dump_end_ms)
    points = sample_points(api_start, end_ms)
    densities = [await _sample(client, market_id, since, end_ms) for since in points]
    return estimate(densities, api_start, end_ms, rate_limit_s) | {"sampled_calls": len(points),
                                                                   "dump_part": dump_part}


async def estimate_after_dump(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings, exchange: str,
                              symbol: str, start_ms: int, end_ms: int) -> dict:
    """estimate_rebuild, with the part a trading-history dump known now holds left out."""
    market = await client.market(symbol)
    dump_end = await dump_end_ms(pool, settings.kraken_trades_source, exchange, symbol, market.altname,
                                 start_ms, end_ms)
    return await estimate_rebuild(client, market.id, start_ms, end_ms,
                                  rate_limit_s=settings.kraken_rate_limit_ms / 1000, dump_end_ms=dump_end)


async def estimate_plan_trades(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings, exchange: str,
                               symbol: str, segments: list[Segment]) -> dict | None:
    """The Trades cost of a plan's child rebuilds (None when it has none): sampled once over the whole
    stretch from the first one's start to the last one's end, so it errs on the high side; each child
    after the first adds the call that ends its own paging."""
    trades = [s for s in segments if s.kind == "trades"]
    if not trades:
        return None
    estimate = await estimate_after_dump(pool, client, settings, exchange, symbol, trades[0].fetch_start_ms,
                                         trades[-1].fetch_end_ms)
    return estimate | {"calls": estimate["calls"] + len(trades) - 1}
