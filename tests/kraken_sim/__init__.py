"""Deterministic simulator of Kraken's public REST API and history dump files.

    async with running_simulator(seed=1, now="2026-11-20T12:00:00Z") as sim:
        exchange.urls["api"]["public"] = sim.url
        ...
        assert rows == sim.committed_ohlc("BTC/USD", 60, start_s, end_s)
"""

from .candles import Candles, aggregate
from .dumps import write_dumps
from .faults import KINDS as FAULT_KINDS
from .pairs import ASSETS, PAIRS, Catalogue, Pair
from .ratelimit import RateLimit
from .server import running_simulator, start_server
from .sim import Simulator
from .tape import Tape, Trades

__all__ = [
    "ASSETS", "FAULT_KINDS", "PAIRS", "Candles", "Catalogue", "Pair", "RateLimit", "Simulator",
    "Tape", "Trades", "aggregate", "running_simulator", "start_server", "write_dumps",
]
