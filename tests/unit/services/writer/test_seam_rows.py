"""A batch fetched one bucket past a seam says how many of its candles its neighbour counts."""

from __future__ import annotations

import uuid

from services.writer.handler import seam_rows
from shared.jobs.commands import CandleBatch

MINUTE = 60_000


def batch(**counted) -> CandleBatch:
    return CandleBatch(job_id=uuid.uuid4(), batch_id="rest:1m:x", exchange="kraken", symbol="BTC/USD",
                       timeframe="1m", source="rest", **counted)


def test_candles_outside_the_counted_range_are_the_neighbours():
    ts = [9 * MINUTE, 10 * MINUTE, 11 * MINUTE, 20 * MINUTE]  # the seam candle at 9, the next segment's at 20
    assert seam_rows(batch(counted_from_ms=10 * MINUTE, counted_to_ms=20 * MINUTE), ts) == 2
    assert seam_rows(batch(), ts) == 0  # a batch that names no range counts all it holds
