"""The REST path of a rebuild against the Kraken simulator set to Kraken's public rate limit: trades per
second paged and aggregated, as a fraction of the bound the limit allows (1,000 trades per call, one
call per KRAKEN_RATE_LIMIT_MS).

    python -m bench.rest_rebuild [--days 5] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import time

PAIR = "BTC/USD"
NOW = "2026-11-20T12:00:00Z"
DAY_MS = 86_400_000


async def run(days: float, spacing_ms: int) -> dict:
    from services.rebuilder.aggregate import TradeAggregator
    from services.rebuilder.checkpoint import RebuildState
    from services.rebuilder.rebuild import page_trades, start_cursor
    from shared.exchange import ExchangeClient
    from shared.settings import Settings
    from tests.kraken_sim import running_simulator

    # The simulator's own default budget is Kraken's public one; the client spaces calls as in production.
    async with running_simulator(seed=7, now=NOW) as sim:
        settings = Settings(kraken_api_url=sim.url, kraken_rate_limit_ms=spacing_ms)
        end_ms = int(sim.now_s()) * 1000 - DAY_MS
        start_ms = end_ms - int(days * DAY_MS)
        async with ExchangeClient(settings) as client:
            market = await client.market(PAIR)  # the market list is not part of the paging
            state = RebuildState(cursor=start_cursor(start_ms), aggregator=TradeAggregator(["1m", "1h"]))

            async def on_page(state: RebuildState, trades, done: bool) -> None:
                state.aggregator.feed(trades)

            started = time.perf_counter()
            await page_trades(client, market["id"], state, end_ms, on_page)
            seconds = time.perf_counter() - started
        return {"trades": state.trades, "calls": state.calls, "seconds": seconds,
                "rate_limited": sim.stats().get("rate_limited", 0)}


def main(argv: list[str] | None = None) -> list[tuple[str, bool]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=float, default=5.0, help="range to page (BTC/USD trades ~2,500 a day)")
    ap.add_argument("--quick", action="store_true", help="one day, for smoke runs")
    ap.add_argument("--spacing-ms", type=int, default=1200, help="call spacing, as KRAKEN_RATE_LIMIT_MS")
    args = ap.parse_args(argv)
    res = asyncio.run(run(1.0 if args.quick else args.days, args.spacing_ms))
    bound = 1000 / (args.spacing_ms / 1000)
    rate = res["trades"] / res["seconds"]
    # Each page but the last is full, so the best possible is trades / (calls * spacing).
    attainable = res["trades"] / (res["calls"] * args.spacing_ms / 1000) / bound
    print(f"  {res['trades']:,} trades in {res['calls']} Trades calls, {res['seconds']:.1f} s;"
          f" rate-limit refusals at the exchange: {res['rate_limited']}")
    print(f"  REST path: {rate:,.0f} trades/s; bound at one call per {args.spacing_ms} ms: {bound:,.0f} trades/s")
    checks = [(f"REST path trades/s / rate-limit bound = {rate / bound:.2f}"
               f" (the last page is partial: at most {attainable:.2f} attainable)", rate / bound >= 0.8 * attainable),
              (f"no call refused by the exchange's rate limit: {res['rate_limited']}", res["rate_limited"] == 0)]
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return checks


if __name__ == "__main__":
    main()
