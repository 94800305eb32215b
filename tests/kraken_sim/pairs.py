"""Pair and asset catalogue of the simulated exchange.

The AssetPairs entries carry the same field set as Kraken's current answers (the
2020 captures in tests/data/kraken/rest/ plus the fields Kraken added since:
cost_decimals, costmin, tick_size, status, position limits), so ccxt builds its
markets from them exactly as it does from the real exchange.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

# Kraken's standard spot fee schedule, as in every captured AssetPairs entry.
_FEES = [[0, 0.26], [50000, 0.24], [100000, 0.22], [250000, 0.2], [500000, 0.18],
         [1000000, 0.16], [2500000, 0.14], [5000000, 0.12], [10000000, 0.1]]
_FEES_MAKER = [[0, 0.16], [50000, 0.14], [100000, 0.12], [250000, 0.1], [500000, 0.08],
               [1000000, 0.06], [2500000, 0.04], [5000000, 0.02], [10000000, 0]]

# Assets endpoint data, keyed by Kraken asset id, values as Kraken sends them.
ASSETS: dict[str, dict] = {
    "XXBT": {"aclass": "currency", "altname": "XBT", "decimals": 10, "display_decimals": 5,
             "collateral_value": 1.0, "status": "enabled"},
    "XETH": {"aclass": "currency", "altname": "ETH", "decimals": 10, "display_decimals": 5,
             "collateral_value": 1.0, "status": "enabled"},
    "ZUSD": {"aclass": "currency", "altname": "USD", "decimals": 4, "display_decimals": 2,
             "collateral_value": 1.0, "status": "enabled"},
    "USDC": {"aclass": "currency", "altname": "USDC", "decimals": 8, "display_decimals": 4,
             "collateral_value": 1.0, "status": "enabled"},
}


def _ts(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Pair:
    id: str            # key of AssetPairs / OHLC / Trades results, e.g. XXBTZUSD
    altname: str       # name used by the dump files, e.g. XBTUSD
    wsname: str
    symbol: str        # ccxt unified symbol, e.g. BTC/USD
    base: str
    quote: str
    listed_s: int      # first instant with trades (hour aligned, like the real dumps)
    price_listed: float  # price level at listing
    price_2026: float    # level the long-term trend reaches at 2026-01-01
    trades_per_day: float
    volume_median: float  # typical trade size in base units
    pair_decimals: int
    trade_price_decimals: int  # Trades strings are padded wider than pair_decimals
    lot_decimals: int = 8
    cost_decimals: int = 5
    ordermin: str = "0.0001"
    costmin: str = "0.5"
    leverage: tuple[int, ...] = ()
    key: int = field(init=False)  # stable integer used to seed this pair's random streams

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", zlib.crc32(self.id.encode()))

    @property
    def tick(self) -> float:
        return 10.0 ** -self.pair_decimals

    def asset_pair_info(self) -> dict:
        """The AssetPairs entry, in Kraken's field order."""
        lev = list(self.leverage)
        return {
            "altname": self.altname, "wsname": self.wsname,
            "aclass_base": "currency", "base": self.base,
            "aclass_quote": "currency", "quote": self.quote,
            "lot": "unit", "cost_decimals": self.cost_decimals,
            "pair_decimals": self.pair_decimals, "lot_decimals": self.lot_decimals,
            "lot_multiplier": 1, "leverage_buy": lev, "leverage_sell": lev,
            "fees": [list(x) for x in _FEES], "fees_maker": [list(x) for x in _FEES_MAKER],
            "fee_volume_currency": "ZUSD", "margin_call": 80, "margin_stop": 40,
            "ordermin": self.ordermin, "costmin": self.costmin,
            "tick_size": f"{self.tick:.{self.pair_decimals}f}", "status": "online",
        }


PAIRS: tuple[Pair, ...] = (
    Pair("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD", "XXBT", "ZUSD",
         _ts("2013-10-06T21:00:00"), 122.0, 90000.0, 2500, 0.02, 1, 5,
         ordermin="0.00005", leverage=(2, 3, 4, 5)),
    Pair("XETHZUSD", "ETHUSD", "ETH/USD", "ETH/USD", "XETH", "ZUSD",
         _ts("2015-08-07T14:00:00"), 3.0, 3000.0, 2000, 0.5, 2, 5,
         ordermin="0.002", leverage=(2, 3, 4, 5)),
    Pair("XETHXXBT", "ETHXBT", "ETH/XBT", "ETH/BTC", "XETH", "XXBT",
         _ts("2015-08-07T14:00:00"), 0.0107, 0.035, 600, 0.5, 5, 6,
         ordermin="0.002", costmin="0.00002", cost_decimals=10, leverage=(2, 3, 4, 5)),
    Pair("XBTUSDC", "XBTUSDC", "XBT/USDC", "BTC/USDC", "XXBT", "USDC",
         _ts("2019-12-19T00:00:00"), 7150.0, 90000.0, 500, 0.01, 2, 5,
         ordermin="0.00005"),
)


class Catalogue:
    """Resolves a pair from its id, altname, wsname or unified symbol."""

    def __init__(self, pairs: tuple[Pair, ...] = PAIRS) -> None:
        self.pairs = pairs
        self._by_name: dict[str, Pair] = {}
        for p in pairs:
            for name in (p.id, p.altname, p.wsname, p.symbol):
                self._by_name[name.upper()] = p

    def get(self, name: str) -> Pair | None:
        return self._by_name.get(name.strip().upper())

    def __getitem__(self, name: str | Pair) -> Pair:
        if isinstance(name, Pair):
            return name
        pair = self.get(name)
        if pair is None:
            raise KeyError(name)
        return pair

    def assets(self) -> dict[str, dict]:
        used = {a for p in self.pairs for a in (p.base, p.quote)}
        return {k: v for k, v in ASSETS.items() if k in used}

    def asset(self, name: str) -> tuple[str, dict] | None:
        name = name.strip().upper()
        for key, info in self.assets().items():
            if name in (key, info["altname"]):
                return key, info
        return None
