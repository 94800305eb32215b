"""Where things live in the lake (README, "The lake"): Hive-style, readable as-is by polars, DuckDB, pyarrow, Spark."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.lake.timeframes import from_ms, to_ms

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


def year_spans(start_ms: int, end_ms: int) -> list[tuple[int, tuple[int, int]]]:
    """(year, (lo, hi)): [start_ms, end_ms) cut where a new year, and so a new partition, begins."""
    spans, lo = [], start_ms
    while lo < end_ms:
        year = from_ms(lo).year
        hi = min(end_ms, to_ms(datetime(year + 1, 1, 1, tzinfo=UTC)))
        spans.append((year, (lo, hi)))
        lo = hi
    return spans


def public_artifact(key: str, public_base_url: str | None) -> str:
    """How a job's result names a file of the lake: under LAKE_PUBLIC_URL where one is set, else by
    its key (`candles/exchange=…/…`), never by where this server keeps it."""
    return f"{public_base_url.rstrip('/')}/{key}" if public_base_url else key
