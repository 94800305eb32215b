"""Chart points: the finest bucket that fits the points asked for, and candles merged into it as a
coarser timeframe would show them."""

from datetime import UTC, datetime

import pyarrow as pa

from services.api.downsample import MONTH_MS, bucket_ms, chart_points, merged
from shared.lake.schema import SCHEMA
from shared.lake.timeframes import millis, to_ms

M = 60_000


def candles(ts: list[int], price=lambda i: 100.0 + i) -> pa.Table:
    rows = [{"ts": t, "open": price(i), "high": price(i) + 2, "low": price(i) - 1, "close": price(i) + 1,
             "volume": 1.5, "vwap": price(i), "trades": 2, "source": "trades"} for i, t in enumerate(ts)]
    return pa.Table.from_pylist(rows, schema=pa.schema(
        [f if f.name != "ts" else pa.field("ts", pa.int64()) for f in SCHEMA])).cast(SCHEMA)


def test_the_bucket_is_the_finest_that_fits_and_never_finer_than_stored():
    assert bucket_ms("1m", 0, 500 * M, 600) == M
    assert bucket_ms("1m", 0, 601 * M, 600) == millis("5m")
    assert bucket_ms("1h", 0, 10 * M, 600) == millis("1h")
    five_years = 5 * 365 * 86_400_000
    assert bucket_ms("1m", 0, five_years, 600) == millis("1w")  # 261 weeks
    assert bucket_ms("1m", 0, five_years, 50) == 2 * MONTH_MS


def test_candles_merge_into_buckets_with_first_open_extremes_last_close_and_summed_volume():
    start = to_ms(datetime(2024, 1, 1, tzinfo=UTC))
    got = chart_points(candles([start + i * M for i in range(10)]), 5 * M).rows()
    assert got == [(start, 100.0, 106.0, 99.0, 105.0, 7.5), (start + 5 * M, 105.0, 111.0, 104.0, 110.0, 7.5)]


def test_a_bucket_across_two_partitions_is_merged_again():
    week = millis("1w")
    new_year = to_ms(datetime(2025, 1, 1, tzinfo=UTC))  # epoch weeks open on Thursdays: 2024-12-26 to 2025-01-02
    before = chart_points(candles([new_year - 2 * 86_400_000]), week)
    after = chart_points(candles([new_year + 43_200_000], price=lambda i: 200.0), week)
    (one,) = merged([before, after], week).rows()
    assert one == (new_year // week * week, 100.0, 202.0, 99.0, 201.0, 3.0)
    assert merged([], week).height == 0
