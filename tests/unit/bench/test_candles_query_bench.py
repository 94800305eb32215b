"""The candles query benchmark's own pieces: synthetic candles fill every bucket with valid candles,
and the p99 is the 99th percentile."""

from __future__ import annotations

import pyarrow.compute as pc

from bench.candles_query import p99
from bench.synthetic_lake import synthetic_candles
from shared.lake.schema import SCHEMA

MINUTE = 60_000


def test_synthetic_candles_fill_every_bucket_with_valid_candles():
    table = synthetic_candles(10 * MINUTE + 5, 1000 * MINUTE, MINUTE)
    ts = table.column("ts").cast("int64").to_pylist()
    assert table.schema == SCHEMA and ts == list(range(11 * MINUTE, 1000 * MINUTE, MINUTE))
    low, high = table.column("low"), table.column("high")
    for name in ("open", "close", "vwap"):
        assert pc.all(pc.less_equal(low, table.column(name))).as_py()
        assert pc.all(pc.less_equal(table.column(name), high)).as_py()
    assert pc.min(table.column("volume")).as_py() > 0


def test_p99_is_the_99th_percentile():
    assert p99([i / 1000 for i in range(1, 201)]) == 0.199
    assert p99([0.5]) == 0.5
