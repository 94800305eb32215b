"""Candles of Kraken's OHLC endpoint as typed columns, in the writer's order."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from shared.lake.schema import SCHEMA


@dataclass
class Candles:
    """Columns in the writer's order; ts is the open time in ms."""

    ts: list[int] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    close: list[float] = field(default_factory=list)
    volume: list[float] = field(default_factory=list)
    vwap: list[float | None] = field(default_factory=list)
    trades: list[int | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts)

    def append(self, ts: int, o: float, h: float, lo: float, c: float, v: float, vwap, n) -> None:
        for column, value in zip(self.columns(), (ts, o, h, lo, c, v, vwap, n), strict=True):
            column.append(value)

    def columns(self) -> tuple[list, ...]:
        return self.ts, self.open, self.high, self.low, self.close, self.volume, self.vwap, self.trades

    def slice(self, start: int, stop: int) -> Candles:
        return Candles(*(column[start:stop] for column in self.columns()))

    def pick(self, rows: list[int]) -> Candles:
        return Candles(*([column[i] for i in rows] for column in self.columns()))

    def table(self) -> pa.Table:
        """The candles as a lake table: source `rest`, since Kraken's OHLC endpoint gave them."""
        columns = dict(zip(SCHEMA.names, [*self.columns(), ["rest"] * len(self)], strict=True))
        return pa.table(columns, schema=SCHEMA)
