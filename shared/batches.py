"""Candle tables to and from CandleBatch messages: the one hand-over format between the producers
(fetcher, rebuilder) and the writer."""

from __future__ import annotations

from uuid import UUID

import pyarrow as pa

from shared.candles import SCHEMA
from shared.messages import CandleBatch

VALUE_COLUMNS = [name for name in SCHEMA.names if name not in ("ts", "source")]


def table_of(batch: CandleBatch) -> pa.Table:
    columns = {name: getattr(batch, name) for name in SCHEMA.names if name != "source"}
    columns["source"] = [batch.source] * len(batch)
    return pa.table(columns, schema=SCHEMA)


def batch_of(table: pa.Table, *, job_id: UUID, exchange: str, symbol: str, timeframe: str, source: str,
             prefix: str) -> CandleBatch:
    """batch_id is made of the content's first and last ts, so the same candles sent again after a
    restart are recognised as the same batch."""
    ts = table.column("ts").cast(pa.int64()).to_pylist()
    return CandleBatch(
        job_id=job_id, batch_id=f"{prefix}:{timeframe}:{ts[0]}:{ts[-1]}", exchange=exchange, symbol=symbol,
        timeframe=timeframe, source=source, ts=ts,
        **{name: table.column(name).to_pylist() for name in VALUE_COLUMNS},
    )
