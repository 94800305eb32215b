"""Merging batches into a partition: one row per ts, sorted, trusted sources first, idempotent."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from services.writer.merge import merge, split_by_year
from shared.jobs.batches import table_of
from shared.jobs.commands import CandleBatch
from shared.lake.schema import from_parquet, to_parquet

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
    rebuilt = merge(revised, table_of(batch([120_000, 180_000], "trades", price=6.0)))
    # The dump outranks a rebuild, which outranks REST.
    assert rebuilt.column("close").to_pylist() == [5.0, 5.0, 6.0]
    assert rebuilt.column("source").to_pylist() == ["zip", "zip", "trades"]
    again = merge(rebuilt, table_of(batch([180_000], "trades", price=6.5)))
    assert again.column("close").to_pylist() == [5.0, 5.0, 6.5]


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


def test_stored_candles_of_another_source_are_compared_and_the_ranking_decides():
    from services.writer.merge import compare_with_stored

    stored = merge(None, table_of(batch([0, 60_000, 120_000], source="zip", price=1.0)))
    incoming = table_of(batch([60_000, 120_000, 180_000], source="trades", price=1.0))
    report = compare_with_stored(stored, incoming)
    assert (report["compared"], report["matched"], report["differing"]) == (2, 2, 0)
    differing = table_of(batch([120_000], source="rest", price=1.01))
    report = compare_with_stored(stored, differing)
    assert (report["compared"], report["differing"]) == (1, 1)
    assert abs(report["max_rel_diff"] - 0.01 / 1.01) < 1e-12
    assert report["differences"][0]["ts"] == "1970-01-01T00:02:00Z"
    assert merge(stored, differing).column("source").to_pylist() == ["zip", "zip", "zip"]
    # A batch of the same source is a rewrite, not a second opinion: nothing to compare.
    assert compare_with_stored(stored, table_of(batch([60_000], source="zip", price=2.0))) is None
