"""python -m tests.kraken_sim --port 8099 [--seed N] [--now ISO|real] [--speed N]
[--faults SPEC] [--rate-burst N --rate-decay X | --no-rate-limit] [--dump-cutoff ISO]"""

from __future__ import annotations

import argparse
import asyncio
import logging

from .ratelimit import RateLimit
from .server import start_server
from .sim import DEFAULT_NOW, Simulator

log = logging.getLogger("kraken_sim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m tests.kraken_sim", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8099)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", default=DEFAULT_NOW, help='fixed ISO time, or "real"')
    ap.add_argument("--speed", type=float, default=None, help="simulated seconds per real second")
    ap.add_argument("--faults", default=None, help='e.g. "p=0.2" or "520:0.05,reset:0.05"')
    ap.add_argument("--slow-seconds", type=float, default=15.0)
    ap.add_argument("--rate-burst", type=float, default=RateLimit.burst)
    ap.add_argument("--rate-decay", type=float, default=RateLimit.decay)
    ap.add_argument("--no-rate-limit", action="store_true")
    ap.add_argument("--dump-cutoff", default=None, help="default: start of the current quarter")
    return ap.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    sim = Simulator(
        seed=args.seed, now=args.now, speed=args.speed, faults=args.faults,
        rate_limit=None if args.no_rate_limit else RateLimit(args.rate_burst, args.rate_decay),
        dump_cutoff=args.dump_cutoff, slow_seconds=args.slow_seconds,
    )
    runner = await start_server(sim, args.host, args.port)
    log.info("kraken simulator listening on %s (seed=%s clock=%s faults=%s rate_limit=%s)",
             sim.url, args.seed, sim.clock.mode, args.faults or "none",
             "off" if sim.limiter is None else f"{sim.limiter.config.burst:g}/{sim.limiter.config.decay:g}")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(serve(parse_args(argv)))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
