"""python -m tests.chaos --trials N --seed S (make chaos): N seeded trials, a line each, the figure
line at the end; exits 1 if a candle was lost or doubled, the ledger or a result differed, or a job did
not complete."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tests.chaos.suite import JOB_TIMEOUT_S, run_suite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1, help="trial n runs with seed S + n")
    ap.add_argument("--timeout", type=float, default=JOB_TIMEOUT_S, help="seconds a trial's jobs may take")
    ap.add_argument("--keep", action="store_true", help="keep every trial's folder, not only a failing one's")
    args = ap.parse_args(argv)
    try:
        summary = asyncio.run(_stoppable(run_suite(args.trials, args.seed, out=lambda line: print(line, flush=True),
                                                   timeout=args.timeout, keep=args.keep)))
    except asyncio.CancelledError:
        return 130
    return 0 if summary.ok else 1


async def _stoppable(suite):
    """Ctrl-C or SIGTERM stops the trial in hand with its whole stack, not only this process."""
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    return await suite


if __name__ == "__main__":
    sys.exit(main())
