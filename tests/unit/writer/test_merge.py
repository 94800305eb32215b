"""Merging batches into a partition: one row per ts, sorted, trusted sources first, idempotent."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from services.writer.merge import from_parquet, merge, split_by_year, to_parquet
from shared.batches import table_of
from shared.messages import CandleBatch

YEAR_MS = 365 * 86_400_000


def batch(ts: list[int], source: str = "rest", price: float = 1.0) -> CandleBatch:
    n = len(ts)
    return CandleBatch(job_id=uuid.uuid4(), batch_id="b", exchange="kraken", symbol="BTC/USD", timeframe="1m",
                       source=source, ts=ts, open=[price] * n, high=[price] * n, low=[price] * n, close=[price] * n,
                       volume=[1.0] * n, vwap=[price] * n, trades=[1] * n)


def test_merge_is_sorted_unique_and_idempotent():
    first = table_of(batch([300_000, 60_000, 120_000]))
    merged = merge(None, first)
    assert merged.column("ts").cast("int64").to_pylist() == [60_000, 120_000, 300_000]
    again = merge(merged, first)
    assert again.equals(merged)
    assert from_parquet(to_parquet(again)).equals(merged)


def test_trusted_source_wins_and_newer_wins_among_equals():
    stored = merge(None, table_of(batch([60_000, 120_000], "zip", price=5.0)))
    after_rest = merge(stored, table_of(batch([120_000, 180_000], "rest", price=7.0)))
    assert after_rest.column("source").to_pylist() == ["zip", "zip", "rest"]
    assert after_rest.column("close").to_pylist() == [5.0, 5.0, 7.0]
    revised = merge(after_rest, table_of(batch([180_000], "rest", price=8.0)))
    assert revised.column("close").to_pylist() == [5.0, 5.0, 8.0]
    rebuilt = merge(revised, table_of(batch([120_000], "trades", price=6.0)))
    assert rebuilt.column("close").to_pylist() == [5.0, 6.0, 8.0]


@given(st.lists(st.lists(st.integers(0, 3 * YEAR_MS // 60_000), max_size=30), min_size=1, max_size=5))
def test_any_batch_order_gives_the_same_partition(batches):
    tables = [table_of(batch(sorted({m * 60_000 for m in b}))) for b in batches if b]
    forward = backward = None
    for t in tables:
        forward = merge(forward, t)
    for t in reversed(tables):
        backward = merge(backward, t)
    if tables:
        assert forward.equals(backward)
        years = split_by_year(forward)
        assert sum(p.num_rows for p in years.values()) == forward.num_rows
        assert all({ts.year for ts in p.column("ts").to_pylist()} == {y} for y, p in years.items())
