"""Candle tables to and from CandleBatch messages: the one hand-over format between the producers
(fetcher, rebuilder) and the writer."""

from __future__ import annotations

from uuid import UUID

import pyarrow as pa

from shared.jobs.commands import CandleBatch
from shared.lake.schema import SCHEMA

VALUE_COLUMNS = [name for name in SCHEMA.names if name not in ("ts", "source")]


def table_of(batch: CandleBatch) -> pa.Table:
    columns = {name: getattr(batch, name) for name in SCHEMA.names if name != "source"}
    columns["source"] = [batch.source] * len(batch)
    return pa.table(columns, schema=SCHEMA)


def batch_of(table: pa.Table, *, job_id: UUID, exchange: str, symbol: str, timeframe: str, source: str,
             prefix: str, span: tuple[int, int] | None = None,
             counted: tuple[int, int] | None = None) -> CandleBatch:
    """batch_id is made of the content's first and last ts (or, for a batch that only vouches for an
    empty span, of the span), so the same candles sent again after a restart are the same batch."""
    ts = table.column("ts").cast(pa.int64()).to_pylist()
    name = f"{ts[0]}:{ts[-1]}" if ts else f"empty:{span[0]}:{span[1]}" if span else "empty"
    return CandleBatch(
        job_id=job_id, batch_id=f"{prefix}:{timeframe}:{name}", exchange=exchange, symbol=symbol,
        timeframe=timeframe, source=source, ts=ts,
        span_start_ms=span[0] if span else None, span_end_ms=span[1] if span else None,
        counted_from_ms=counted[0] if counted else None, counted_to_ms=counted[1] if counted else None,
        **{name: table.column(name).to_pylist() for name in VALUE_COLUMNS},
    )


def spans_of(first_ts: list[int], span_start: int, span_end: int) -> list[tuple[int, int]]:
    """Splits [span_start, span_end) at the first candle of every batch but the first, so the batches
    together vouch for the whole span and each gap belongs to exactly one of them."""
    cuts = [span_start, *first_ts[1:], span_end]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def batches_over(table: pa.Table, span: tuple[int, int], batch_rows: int, **fields) -> list[CandleBatch]:
    """The candles of `table` (sorted, all inside span) as batches that vouch for the whole span;
    an empty table still gives one batch, which says the span had no trades."""
    parts = [table.slice(i, batch_rows) for i in range(0, table.num_rows, batch_rows)] or [table]
    firsts = [p.column("ts").cast(pa.int64())[0].as_py() for p in parts if p.num_rows]
    return [batch_of(part, span=part_span, **fields)
            for part, part_span in zip(parts, spans_of(firsts or [span[0]], *span), strict=True)]
