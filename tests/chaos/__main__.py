"""python -m tests.chaos --trials N --seed S (make chaos): N seeded trials, a line each, the figure
line at the end; exits 1 if a candle was lost or doubled, the ledger or a result differed, or a job did
not complete."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tests.chaos.suite import JOB_TIMEOUT_S, run_suite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1, help="trial n runs with seed S + n")
    ap.add_argument("--timeout", type=float, default=JOB_TIMEOUT_S, help="seconds a trial's jobs may take")
    ap.add_argument("--keep", action="store_true", help="keep every trial's folder, not only a failing one's")
    args = ap.parse_args(argv)
    summary = asyncio.run(run_suite(args.trials, args.seed, out=lambda line: print(line, flush=True),
                                    timeout=args.timeout, keep=args.keep))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
