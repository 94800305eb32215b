"""The simulator object: tape, clock, faults, rate limit and call statistics,
plus the ground-truth helpers tests compare a client's results against."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .dumpnames import quarter_start
from .dumps import OHLCVT_INTERVALS, write_dumps
from .faults import Faults
from .history import CandleStore
from .kfmt import ohlc_rows, parse_when
from .pairs import Catalogue, Pair
from .plan import DAY_S
from .ratelimit import DEFAULT_RATE_LIMIT, RateLimit, RateLimiter
from .tape import Tape, Trades

NS = 1_000_000_000
DEFAULT_NOW = "2026-11-20T12:00:00Z"


class Simulator:
    def __init__(self, seed: int = 1, now: str | float | None = DEFAULT_NOW, speed: float | None = None,
                 faults: str | dict | None = None,
                 rate_limit: RateLimit | tuple[float, float] | None = DEFAULT_RATE_LIMIT,
                 dump_cutoff: str | float | None = None, slow_seconds: float = 15.0,
                 catalogue: Catalogue | None = None) -> None:
        from .clock import Clock

        self.seed = seed
        self.catalogue = catalogue or Catalogue()
        self.tape = Tape(seed, self.catalogue)
        self.store = CandleStore(self.tape)
        self.clock = Clock(now, speed)
        self.faults = Faults(faults, seed=seed, slow_seconds=slow_seconds)
        if isinstance(rate_limit, tuple):
            rate_limit = RateLimit(*rate_limit)
        self.limiter = RateLimiter(rate_limit) if rate_limit is not None else None
        self._dump_cutoff = None if dump_cutoff is None else int(parse_when(dump_cutoff))
        self._stats: Counter[str] = Counter()
        self.url: str | None = None

    # -- names and times ---------------------------------------------------------
    def pair(self, name: str | Pair) -> Pair:
        """Pair by id (XXBTZUSD), altname (XBTUSD), wsname (XBT/USD) or symbol (BTC/USD)."""
        return self.catalogue[name]

    def select_pairs(self, names: list[str] | str | None) -> list[Pair]:
        if names is None:
            return list(self.catalogue.pairs)
        if isinstance(names, str):
            names = [n for n in names.split(",") if n.strip()]
        return [self.pair(n) for n in names]

    @staticmethod
    def parse_time(value: str | float | None) -> int | None:
        return None if value is None else int(parse_when(value))

    def now_ns(self) -> int:
        return self.clock.now_ns()

    def now_s(self) -> float:
        return self.clock.now_s()

    def set_now(self, when: str | float) -> None:
        self.clock.set(when)

    @property
    def dump_cutoff_s(self) -> int:
        """Dumps cover trades before this: by default the start of the current quarter;
        never later than the last midnight (a dump cannot contain the future)."""
        now_s = self.now_ns() // NS
        cutoff = quarter_start(now_s) if self._dump_cutoff is None else self._dump_cutoff
        return min(cutoff, now_s // DAY_S * DAY_S)

    # -- statistics and faults ---------------------------------------------------------
    def count(self, name: str) -> None:
        self._stats[name] += 1

    def stats(self) -> dict[str, int]:
        """Calls per endpoint name, plus "faults", "fault:<kind>" and "rate_limited"."""
        return {"faults": 0, "rate_limited": 0, **self._stats}

    def reset_stats(self) -> None:
        self._stats.clear()
        if self.limiter is not None:
            self.limiter.reset()

    def script_faults(self, kinds: list[str | None]) -> None:
        self.faults.script(kinds)

    def set_faults(self, spec: str | dict | None) -> None:
        self.faults.configure(spec)

    # -- ground truth ------------------------------------------------------------------
    def trades(self, pair: str | Pair, start_ns: int, end_ns: int) -> Trades:
        """Every trade with start_ns <= ts < end_ns that exists by now."""
        return self.tape.trades_between(self.pair(pair), start_ns, min(end_ns, self.now_ns()))

    def committed_ohlc(self, pair: str | Pair, interval_min: int, start_s: int, end_s: int) -> list[list]:
        """Committed OHLC rows with start_s <= time < end_s exactly as the OHLC endpoint
        formats them, flat rows included (the current, unfinished candle is left out)."""
        p = self.pair(pair)
        sec = interval_min * 60
        now_ns = self.now_ns()
        current = now_ns // NS // sec * sec
        start = -(-int(start_s) // sec) * sec
        end = min(-(-int(end_s) // sec) * sec, current)
        return ohlc_rows(self.store.filled(p, interval_min, start, end, now_ns), p) if end > start else []

    def ohlc_window(self, pair: Pair, interval_min: int, rows: int = 720) -> tuple[list[list], int]:
        """The OHLC endpoint's view: the `rows` most recent rows up to the current,
        unfinished candle, and `last` (open time of the newest committed one)."""
        sec = interval_min * 60
        now_ns = self.now_ns()
        current = now_ns // NS // sec * sec
        c = self.store.filled(pair, interval_min, current - (rows - 1) * sec, current + sec, now_ns)
        return ohlc_rows(c, pair), current - sec

    def write_dumps(self, folder: str | Path, names: tuple[str, ...] = ("Kraken_OHLCVT.zip",),
                    pairs: list[str] | None = None, intervals: tuple[int, ...] = OHLCVT_INTERVALS,
                    start: str | float | None = None, end: str | float | None = None) -> list[Path]:
        return write_dumps(folder, self, names, pairs, intervals, start, end)

    # -- serving -------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 = a free port) in the running event loop; returns the URL."""
        from .server import start_server

        self._runner = await start_server(self, host, port)
        return self.url

    async def stop(self) -> None:
        runner = getattr(self, "_runner", None)
        if runner is not None:
            await runner.cleanup()
            self._runner = None
            self.url = None
