"""Where things live in the lake (GUIDE §3): Hive-style, readable as-is by polars, DuckDB, pyarrow, Spark."""

from __future__ import annotations

PART_FILE = "part-0.parquet"


def symbol_dir(symbol: str) -> str:
    return symbol.replace("/", "-")


def timeframe_prefix(exchange: str, symbol: str, timeframe: str) -> str:
    return f"candles/exchange={exchange}/symbol={symbol_dir(symbol)}/timeframe={timeframe}/"


def partition_key(exchange: str, symbol: str, timeframe: str, year: int) -> str:
    # One file per year partition; the writer replaces it whole, so nothing partial is visible.
    return f"{timeframe_prefix(exchange, symbol, timeframe)}year={year}/{PART_FILE}"


def trades_prefix(exchange: str, symbol: str) -> str:
    return f"trades/exchange={exchange}/symbol={symbol_dir(symbol)}/"


def trades_key(exchange: str, symbol: str, date: str, name: str) -> str:
    """Raw trades kept by a rebuild: one folder per UTC day (YYYY-MM-DD)."""
    return f"{trades_prefix(exchange, symbol)}date={date}/{name}"
