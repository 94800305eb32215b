"""The REST path of a trade rebuild against the Kraken simulator set to Kraken's public rate limit:
trades per second paged and aggregated, as a fraction of the bound the limit allows (1,000 trades per
Trades call, one call per KRAKEN_RATE_LIMIT_MS).

    python -m bench.rest_rebuild [--calls 20] [--quick] [--spacing-ms 1200]

The range is cut from the simulator's own tape so that it holds `calls` full pages: only then does
the bound apply, since a quiet range yields short pages whatever the client does. Nothing here
needs PostgreSQL or NATS: the rebuilder's paging and aggregation run as they do in the service.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from shared.kraken.constants import TRADES_PAGE

PAIR, PAIR_ID = "BTC/USD", "XBTUSD"
NOW = "2026-11-20T12:00:00Z"
DAY_NS = 86_400 * 10**9
TIMEFRAMES = ["1m", "5m", "15m", "1h", "4h", "1d"]


def busy_range(sim, calls: int, days_back: int = 60) -> tuple[int, int]:
    """(start_ms, end_ms) well before the REST window, holding just under `calls` pages of trades.

    end_ms is the millisecond of the last trade of the last page, so that page is full and also
    reaches the end: the paging stops on it, with no extra call for a short page."""
    start_ns = (sim.now_ns() // DAY_NS - days_back) * DAY_NS  # a day boundary, two months back by default
    span = DAY_NS
    while (tape := sim.trades(PAIR_ID, start_ns, start_ns + span)).n < calls * TRADES_PAGE:
        span *= 2
    return start_ns // 10**6, int(tape.ts_ns[calls * TRADES_PAGE - 1]) // 10**6


async def run(calls: int, spacing_ms: int) -> dict:
    from services.rebuilder.aggregate import TradeAggregator
    from services.rebuilder.cursor import Cursor
    from services.rebuilder.rebuild import page_trades
    from shared.kraken.client import ExchangeClient
    from shared.platform.settings import Settings
    from tests.kraken_sim import RateLimit, running_simulator

    # Kraken's public budget (burst 15, decay 1/s), stated rather than left to the simulator's default.
    async with running_simulator(seed=7, now=NOW, rate_limit=RateLimit(burst=15.0, decay=1.0)) as sim:
        start_ms, end_ms = busy_range(sim, calls)
        settings = Settings(kraken_api_url=sim.url, kraken_rate_limit_ms=spacing_ms)
        async with ExchangeClient(settings) as client:
            market = await client.market(PAIR)  # loaded once per job, not part of the paging
            aggregator = TradeAggregator(TIMEFRAMES, start_ms=start_ms)
            cursor = Cursor.at(start_ms)
            candles = 0

            async def on_page(trades, done: bool) -> None:
                nonlocal candles
                out = aggregator.feed(trades)
                if done:
                    out = aggregator.finish(end_ms)
                candles += sum(t.num_rows for t in out.values())

            started = time.perf_counter()
            await page_trades(client, market.id, cursor, end_ms, on_page)
            seconds = time.perf_counter() - started
        return {"trades": cursor.trades, "calls": cursor.calls, "seconds": seconds, "candles": candles,
                "rate_limited": sim.stats().get("rate_limited", 0)}


def main(argv: list[str] | None = None) -> list[tuple[str, bool]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=20, help="full pages of trades to fetch")
    ap.add_argument("--quick", action="store_true", help="5 calls, for smoke runs")
    ap.add_argument("--spacing-ms", type=int, default=1200, help="call spacing, as KRAKEN_RATE_LIMIT_MS")
    args = ap.parse_args(argv)
    res = asyncio.run(run(5 if args.quick else args.calls, args.spacing_ms))
    bound = TRADES_PAGE / (args.spacing_ms / 1000)
    rate = res["trades"] / res["seconds"]
    fraction = rate / bound
    print(f"  {res['trades']:,} trades in {res['calls']} Trades calls, {res['seconds']:.1f} s,"
          f" {res['candles']:,} candles; calls refused by the exchange's rate limit: {res['rate_limited']}")
    print(f"  REST path: {rate:,.0f} trades/s; bound at {TRADES_PAGE:,} trades per call, one call per"
          f" {args.spacing_ms} ms: {bound:,.0f} trades/s")
    checks = [
        # Paging waits for the first call's slot too, so N calls span about N spacings: ~0.9 is the ceiling.
        (f"REST path trades/s / rate-limit bound = {fraction:.2f} (target >= 0.8)", fraction >= 0.8),
        (f"no call refused by the exchange's rate limit: {res['rate_limited']}", res["rate_limited"] == 0),
    ]
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return checks


if __name__ == "__main__":
    main()
