"""Kraken's Trades rows as trade columns (the aggregator's input), and its nanosecond cursor.

A row is `[price, volume, time_s, side, ordertype, misc]`; newer responses append `trade_id`.
Prices and volumes come as decimal strings and are kept as decimals (never through float), so candles
sum them exactly; the time comes as a JSON number with up to 4+ decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import pyarrow as pa

from shared.kraken.constants import NS_PER_MS, NS_PER_S, PRICE_DECIMALS, VOLUME_DECIMALS

SCHEMA = pa.schema(
    [
        ("ts", pa.int64()),  # trade time, ns since the epoch
        ("price", pa.decimal128(38, PRICE_DECIMALS)),
        ("volume", pa.decimal128(38, VOLUME_DECIMALS)),
        ("side", pa.string()),
        ("ordertype", pa.string()),
        ("misc", pa.string()),
        ("trade_id", pa.int64()),  # null in the older 6-element form
    ]
)


def start_cursor(start_ms: int) -> str:
    # Kraken returns trades strictly after `since`; one ns earlier includes a trade at start exactly.
    return str(start_ms * NS_PER_MS - 1)


def time_to_ns(value: Any) -> int:
    """Seconds (JSON number or string) to integer ns without binary float error.

    `1607183031.6367 * 1e9` is off by tens of ns; the shortest repr of the parsed float is the text
    Kraken sent, so it is read back as an exact decimal instead.
    """
    text = repr(value) if isinstance(value, float) else str(value)
    return int((Decimal(text) * NS_PER_S).to_integral_value())


def parse_trades(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows of a Trades result (6 or 7 elements each) as a table in SCHEMA, order kept."""
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for r in rows:
        if len(r) not in (6, 7):
            raise ValueError(f"Kraken trade row has {len(r)} elements, expected 6 or 7: {r!r}")
        cols["ts"].append(time_to_ns(r[2]))
        cols["price"].append(str(r[0]))
        cols["volume"].append(str(r[1]))
        cols["side"].append(r[3])
        cols["ordertype"].append(r[4])
        cols["misc"].append(r[5])
        cols["trade_id"].append(int(r[6]) if len(r) == 7 else None)
    # polars parses decimal text exactly, rounding half to even past the scale (pyarrow refuses that).
    for name, decimals in (("price", PRICE_DECIMALS), ("volume", VOLUME_DECIMALS)):
        cols[name] = pl.Series(cols[name], dtype=pl.String).str.to_decimal(scale=decimals).to_arrow()
    return pa.table(cols, schema=SCHEMA)


def dedupe_on_trade_id(trades: pa.Table) -> pa.Table:
    """Drop rows repeating an earlier trade id (overlapping pages); rows without an id are all kept.

    Without ids two identical rows can be two real trades, so nothing is dropped on content.
    """
    if trades.num_rows == 0 or trades.column("trade_id").null_count == trades.num_rows:
        return trades
    df = pl.from_arrow(trades)
    keep = pl.col("trade_id").is_null() | pl.col("trade_id").is_first_distinct()
    return df.filter(keep).to_arrow().cast(trades.schema)
