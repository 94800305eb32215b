"""One process of the shared-budget benchmark (bench/shared_budget.py): a rebuilder replica paging
Kraken's Trades as the rebuilder does, or the API's stream of dry runs (a rebuild's cost estimate,
two Trades samples each, through the API's one client). It warms up (the market list), says `ready`,
waits for `go` on stdin, works for the given seconds, and prints its calls as JSON.

    python -m bench.budget_replica rebuild|dry-run --sim URL --db URL --shared 0|1 --seconds S
        [--start-ms MS --end-ms MS]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import asyncpg

from services.api.planning import api_client
from services.rebuilder.cursor import Cursor
from services.rebuilder.rebuild import page_trades
from shared.kraken.budget import budget_for
from shared.kraken.client import RETRYABLE, ExchangeClient
from shared.planning.cost import estimate_after_dump
from shared.platform.db import create_pool
from shared.platform.log import setup_logging
from shared.platform.settings import Settings

PAIR = "BTC/USD"
DAY_MS = 86_400_000
DRY_RUN_EVERY_S = 2.0  # a person previewing a rebuild every other second


class Deadline(Exception):
    """The replica's time is up."""


async def started(client: ExchangeClient, seconds: float) -> float:
    """Warms up (the market list), waits for the word to go; the deadline."""
    await client.market(PAIR)
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    return time.monotonic() + seconds


async def rebuild(client: ExchangeClient, args: argparse.Namespace) -> None:
    until = await started(client, args.seconds)
    market = await client.market(PAIR)
    cursor = Cursor.at(args.start_ms)

    async def on_page(trades, done: bool) -> None:
        if time.monotonic() >= until:
            raise Deadline

    while True:
        try:
            await page_trades(client, market.id, cursor, args.end_ms, on_page)
            print("range paged before the deadline: give a longer one", file=sys.stderr)
            return
        except Deadline:
            return
        except RETRYABLE:  # out of retries: the queue would hand the job back; here it pages on
            continue


async def dry_runs(client: ExchangeClient, args: argparse.Namespace, pool: asyncpg.Pool) -> None:
    until = await started(client, args.seconds)
    while time.monotonic() < until:
        try:
            await estimate_after_dump(pool, client, client.settings, "kraken", PAIR, args.start_ms,
                                      args.start_ms + DAY_MS)
        except RETRYABLE:  # the API answers 503; the person asks again
            pass
        await asyncio.sleep(DRY_RUN_EVERY_S)


async def main(args: argparse.Namespace) -> None:
    setup_logging(f"bench-{args.kind}", "error")  # on stderr: stdout is the word to the driver
    settings = Settings(kraken_api_url=args.sim, database_url=args.db, kraken_budget_shared=bool(args.shared),
                        exchange_backoff_base_s=1.0)
    pool = await create_pool(args.db, max_size=2)
    budget = budget_for(pool, settings)
    if args.kind == "rebuild":
        async with ExchangeClient(settings, budget=budget) as client:
            await rebuild(client, args)
    else:
        async with api_client(settings, budget) as client:
            await dry_runs(client, args, pool)
    await pool.close()
    print(json.dumps({"calls": client.calls, "failed": client.failed_calls}), flush=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["rebuild", "dry-run"])
    ap.add_argument("--sim", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--shared", type=int, choices=[0, 1], default=1)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--start-ms", type=int, required=True)
    ap.add_argument("--end-ms", type=int, default=None)
    return ap.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
