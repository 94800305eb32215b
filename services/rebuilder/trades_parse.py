"""Kraken REST Trades rows into trade columns the aggregator reads.

A row is `[price, volume, time_s, side, ordertype, misc]`; newer responses append `trade_id`.
Prices and volumes come as decimal strings, the time as a JSON number with up to 4+ decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("ts", pa.int64()),  # trade time, ns since the epoch
        ("price", pa.float64()),
        ("volume", pa.float64()),
        ("side", pa.string()),
        ("ordertype", pa.string()),
        ("misc", pa.string()),
        ("trade_id", pa.int64()),  # null in the older 6-element form
    ]
)


def time_to_ns(value: Any) -> int:
    """Seconds (JSON number or string) to integer ns without binary float error.

    `1607183031.6367 * 1e9` is off by tens of ns; the shortest repr of the parsed float is the text
    Kraken sent, so it is read back as an exact decimal instead.
    """
    text = repr(value) if isinstance(value, float) else str(value)
    return int((Decimal(text) * 1_000_000_000).to_integral_value())


def parse_trades(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows of a Trades result (6 or 7 elements each) as a table in SCHEMA, order kept."""
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for r in rows:
        if len(r) not in (6, 7):
            raise ValueError(f"Kraken trade row has {len(r)} elements, expected 6 or 7: {r!r}")
        cols["ts"].append(time_to_ns(r[2]))
        cols["price"].append(float(r[0]))
        cols["volume"].append(float(r[1]))
        cols["side"].append(r[3])
        cols["ordertype"].append(r[4])
        cols["misc"].append(r[5])
        cols["trade_id"].append(int(r[6]) if len(r) == 7 else None)
    return pa.table(cols, schema=SCHEMA)


def parse_trades_result(result: dict[str, Any]) -> tuple[pa.Table, int]:
    """A Trades `result` object: the one pair's trades and the `last` ns cursor for the next call."""
    pairs = [k for k in result if k != "last"]
    if len(pairs) != 1:
        raise ValueError(f"expected one pair in Trades result, got {pairs}")
    return parse_trades(result[pairs[0]]), int(result["last"])


def dedupe_on_trade_id(trades: pa.Table) -> pa.Table:
    """Drop rows repeating an earlier trade id (overlapping pages); rows without an id are all kept.

    Without ids two identical rows can be two real trades, so nothing is dropped on content.
    """
    if trades.num_rows == 0 or trades.column("trade_id").null_count == trades.num_rows:
        return trades
    df = pl.from_arrow(trades)
    keep = pl.col("trade_id").is_null() | pl.col("trade_id").is_first_distinct()
    return df.filter(keep).to_arrow().cast(trades.schema)
