"""Three rebuilder replicas paging Kraken's Trades and a stream of the API's dry runs, as processes
of their own, against the simulator at Kraken's public limit (a counter of burst 15 that decays by 1
a second, per IP): calls the simulator refused, and the calls it took as a share of the most Kraken
allows in that time (the shared bound: burst + decay × seconds, from an empty counter); the same load
with the shared budget off (each process spacing its own calls, KRAKEN_RATE_LIMIT_MS) beside it.

    python -m bench.shared_budget [--seconds 60] [--quick]

PostgreSQL: DATABASE_URL (its budget table gains a row per trial, keyed by that trial's simulator URL),
or an embedded server in a temporary folder (the one `make run` starts)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.rest_rebuild import NOW, busy_range
from shared.platform.db import create_pool

REBUILDERS = 3
BURST, DECAY = 15.0, 1.0


@dataclass
class Trial:
    shared: bool
    seconds: float  # from the word go to the last call's answer
    taken: int      # calls the simulator answered in that time
    refused: int    # calls it refused, warm-up included

    @property
    def ratio(self) -> float:
        return self.taken / (BURST + DECAY * self.seconds)


@contextlib.contextmanager
def database():
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    from services.launcher.embedded import start_postgres

    with tempfile.TemporaryDirectory(prefix="bench-budget-") as folder:
        server, url = start_postgres(Path(folder) / "postgres")
        try:
            yield url
        finally:
            server.cleanup()


async def spawn(kind: str, sim_url: str, db_url: str, shared: bool, seconds: float, start_ms: int,
                end_ms: int | None = None) -> asyncio.subprocess.Process:
    args = [kind, "--sim", sim_url, "--db", db_url, "--shared", str(int(shared)), "--seconds", str(seconds),
            "--start-ms", str(start_ms)] + ([] if end_ms is None else ["--end-ms", str(end_ms)])
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.budget_replica", *args,
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)


async def trial(db_url: str, shared: bool, seconds: float) -> Trial:
    from tests.kraken_sim import RateLimit, running_simulator

    async with running_simulator(seed=7, now=NOW, rate_limit=RateLimit(burst=BURST, decay=DECAY)) as sim:
        log: list[tuple[float, bool]] = []
        allow = sim.limiter.allow

        def recorded(client: str) -> bool:
            log.append((time.monotonic(), allowed := allow(client)))
            return allowed

        sim.limiter.allow = recorded
        # Ranges of more full pages than any replica can page in the time, each replica its own.
        ranges = [busy_range(sim, int(seconds) + 5, days_back=60 + 7 * i) for i in range(REBUILDERS)]
        procs = [await spawn("rebuild", sim.url, db_url, shared, seconds, *r) for r in ranges]
        procs.append(await spawn("dry-run", sim.url, db_url, shared, seconds, ranges[0][0]))
        for proc in procs:
            assert (await proc.stdout.readline()).strip() == b"ready"
        # The warm-up's calls decay first: the window starts with an empty counter.
        await asyncio.sleep(sim.limiter.level("127.0.0.1") / DECAY + 0.1)
        go = time.monotonic()
        for proc in procs:
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        for proc in procs:
            json.loads(await proc.stdout.readline())
            await proc.wait()
        taken = [t for t, ok in log if ok and t >= go]
        return Trial(shared, taken[-1] - go, len(taken), sum(not ok for _, ok in log))


def show(res: Trial) -> None:
    state = "on: " if res.shared else "off:"
    print(f"  shared budget {state} {res.taken} calls taken in {res.seconds:.1f} s,"
          f" {res.refused} refused; {res.taken / res.seconds:.2f} calls/s = {res.ratio:.2f} of the bound"
          f" ({BURST:g} + {DECAY:g}/s × {res.seconds:.1f} s)", flush=True)


async def run(seconds: float) -> tuple[Trial, Trial]:
    with database() as db_url:
        pool = await create_pool(db_url, max_size=1)  # the migrations, once, before the replicas start
        await pool.close()
        on = await trial(db_url, True, seconds)
        show(on)
        off = await trial(db_url, False, seconds)
        show(off)
    return on, off


def main(argv: list[str] | None = None) -> list[tuple[str, bool]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the load runs, per trial")
    ap.add_argument("--quick", action="store_true", help="20 s, for smoke runs")
    args = ap.parse_args(argv)
    on, off = asyncio.run(run(20.0 if args.quick else args.seconds))
    checks = [
        (f"calls refused with the shared budget: {on.refused} (target 0; without it: {off.refused})",
         on.refused == 0),
        (f"combined call rate / shared bound = {on.ratio:.2f} (target >= 0.9)", on.ratio >= 0.9),
    ]
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return checks


if __name__ == "__main__":
    main()
