"""Batches that vouch for a span: together they cover it exactly, and each gap belongs to one batch."""

from __future__ import annotations

import uuid

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.jobs.batches import batches_over, spans_of
from shared.lake.schema import SCHEMA

FIELDS = {"job_id": uuid.uuid4(), "exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m", "source": "rest",
          "prefix": "rest"}


def candles(ts: list[int]) -> pa.Table:
    n = len(ts)
    return pa.table({"ts": ts, "open": [1.0] * n, "high": [1.0] * n, "low": [1.0] * n, "close": [1.0] * n,
                     "volume": [1.0] * n, "vwap": [1.0] * n, "trades": [1] * n, "source": ["rest"] * n},
                    schema=SCHEMA)


@settings(deadline=None)
@given(st.lists(st.integers(1, 999), unique=True, max_size=40), st.integers(1, 7))
def test_batches_cover_the_span_exactly(minutes, batch_rows):
    ts = sorted(m * 60_000 for m in minutes)
    batches = batches_over(candles(ts), (0, 1000 * 60_000), batch_rows, **FIELDS)
    spans = [(b.span_start_ms, b.span_end_ms) for b in batches]
    assert spans[0][0] == 0 and spans[-1][1] == 1000 * 60_000
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert [t for b in batches for t in b.ts] == ts
    assert all(lo <= t < hi for b in batches for t, (lo, hi) in ((t, (b.span_start_ms, b.span_end_ms)) for t in b.ts))
    assert len({b.batch_id for b in batches}) == len(batches)


def test_an_empty_span_is_still_one_batch_that_says_so():
    (batch,) = batches_over(candles([]), (60_000, 600_000), 5, **FIELDS)
    assert len(batch) == 0 and (batch.span_start_ms, batch.span_end_ms) == (60_000, 600_000)
    assert batch.batch_id == "rest:1m:empty:60000:600000"


def test_spans_split_at_each_batch_but_the_first():
    assert spans_of([5, 9, 20], 0, 30) == [(0, 9), (9, 20), (20, 30)]
