"""Kraken's answers as the client returns them: parsed once, typed, with nothing left of the raw JSON.

A public `result` holds one pair's rows under the pair's id, beside `last`: OHLC's newest committed
candle (in seconds) or Trades' cursor for the next call (in nanoseconds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from shared.kraken.candles import Candles
from shared.kraken.constants import NS_PER_MS
from shared.kraken.trades import parse_trades


def pair_rows(result: dict[str, Any]) -> list:
    """The rows of the one pair a `result` answers for."""
    pairs = [k for k in result if k != "last"]
    if len(pairs) != 1:
        raise ValueError(f"expected one pair in a Kraken result, got {pairs}")
    return result[pairs[0]]


@dataclass(frozen=True)
class Market:
    """One market as ccxt loads it from Kraken's AssetPairs."""

    symbol: str          # ours and ccxt's: BTC/USD
    id: str              # Kraken's pair id, which OHLC and Trades are asked with: XXBTZUSD
    altname: str         # the name in the dumps' member names: XBTUSD
    wsname: str | None   # the WebSocket name: XBT/USD
    base: str | None
    quote: str | None
    active: bool
    spot: bool

    @classmethod
    def of(cls, market: dict[str, Any]) -> Market:
        info = market.get("info") or {}
        return cls(market["symbol"], market["id"], info["altname"], info.get("wsname"), market.get("base"),
                   market.get("quote"), bool(market.get("active", True)), bool(market.get("spot", True)))


@dataclass(frozen=True)
class OhlcWindow:
    """One OHLC answer: every row of it (flat no-trade rows and the still-open candle too) and `last`,
    the open time of the newest committed candle."""

    candles: Candles
    last_s: int
    interval_min: int

    @classmethod
    def parse(cls, result: dict[str, Any], interval_min: int) -> OhlcWindow:
        """Rows are [time_s, o, h, l, c, vwap, volume, count], prices as strings."""
        candles = Candles()
        for time_s, o, h, lo, c, vwap, volume, count in pair_rows(result):
            candles.append(int(time_s) * 1000, float(o), float(h), float(lo), float(c), float(volume),
                           float(vwap), int(count))
        return cls(candles, int(result.get("last", 0)), interval_min)


@dataclass(frozen=True)
class TradesPage:
    """One Trades answer: its trades as trade columns (trades.SCHEMA, oldest first) and `last`, the
    cursor the next page is asked from."""

    trades: pa.Table
    last_ns: int

    @classmethod
    def parse(cls, result: dict[str, Any]) -> TradesPage:
        return cls(parse_trades(pair_rows(result)), int(result["last"]))

    def __len__(self) -> int:
        return self.trades.num_rows

    def times_ms(self) -> list[int]:
        return [t // NS_PER_MS for t in self.trades.column("ts").to_pylist()]
