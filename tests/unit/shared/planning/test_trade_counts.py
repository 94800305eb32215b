"""A range's trade count from Kraken's OHLC counts: each part from the finest interval that reaches
it, edge buckets in proportion, the open bucket at its rate so far."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.planning.trade_counts import COUNT_MINUTES, CountWindow, TradeCounts, parts

H = 3_600_000
D = 24 * H
W = 7 * D
F = 15 * D  # Kraken's 21600 minutes
NOW = 20_000 * D + 10 * H + 30 * 60_000  # 10:30 of some day


def bucketed(trades_at: list[int], minutes: int, first_ms: int, now_ms: int, full: bool = True) -> CountWindow:
    """The window an OHLC answer at now_ms would give for trades at those instants."""
    step = minutes * 60_000
    current = now_ms // step * step
    counts = [0] * ((current - first_ms) // step)
    forming = 0
    for t in trades_at:
        if first_ms <= t < current:
            counts[(t - first_ms) // step] += 1
        elif current <= t < now_ms:
            forming += 1
    return CountWindow(minutes, first_ms, tuple(counts), forming, now_ms, not full)


def windows_of(trades_at: list[int], now_ms: int = NOW) -> TradeCounts:
    """Kraken's four answers: 720 rows each, the 15-day one reaching the listing."""
    out = []
    for minutes in COUNT_MINUTES:
        step = minutes * 60_000
        first = now_ms // step * step - 719 * step
        out.append(bucketed(trades_at, minutes, first, now_ms, full=minutes != 21600))
    return TradeCounts(tuple(out))


def test_whole_buckets_count_exactly_and_an_edge_bucket_in_proportion():
    w = CountWindow(60, 0, (100, 40, 60), 10, 3 * H + 30 * 60_000, False)
    assert w.count(0, 3 * H) == 200
    assert w.count(H // 4, H) == 75 and w.count(H + H // 2, 2 * H + H // 2) == 50
    assert w.count(3 * H, 3 * H + 15 * 60_000) == 5  # half the open bucket's trades so far


def test_each_part_is_read_from_the_finest_interval_that_reaches_it_with_seams_on_coarse_boundaries():
    counts = windows_of([])
    hourly, daily, weekly, fifteen = counts.windows
    got = parts(list(counts.windows), NOW - 6000 * D, NOW)
    assert [w.interval_min for _, _, w in got] == [60, 1440, 10080, 21600]
    (h_lo, h_hi, _), (d_lo, d_hi, _), (w_lo, w_hi, _), (f_lo, f_hi, _) = got
    assert h_hi == NOW and h_lo % D == 0 and h_lo >= hourly.first_ms and d_hi == h_lo
    assert d_lo % W == 0 and w_hi == d_lo and w_lo % F == 0 and f_hi == w_lo and f_lo == NOW - 6000 * D
    # A recent range needs the hourly counts alone.
    assert counts.intervals(NOW - 10 * D, NOW) == [60]


@given(st.lists(st.integers(NOW - 5000 * D, NOW - 1), max_size=300), st.integers(1, 4900 // 7),
       st.integers(0, 5000))
def test_a_range_from_a_week_boundary_to_now_counts_every_trade(times, weeks_back, minutes_early):
    times = sorted(times)
    counts = windows_of(times)
    start = NOW // W * W - weeks_back * W
    assert counts.trades(start, NOW) == sum(start <= t < NOW for t in times)
    # An end inside the hourly reach, on a minute: only its last hour is split in proportion.
    end = NOW - minutes_early * 60_000
    last_hour = sum(end // H * H <= t < end // H * H + H for t in times)
    assert abs(counts.trades(start, end) - sum(start <= t < end for t in times)) <= last_hour


def test_the_trades_before_a_listing_are_none():
    listed = NOW - 100 * D
    w = CountWindow(21600, listed // F * F, (5,) * ((NOW // F * F - listed // F * F) // F), 0, NOW, True)
    assert TradeCounts((w,)).trades(0, listed // F * F) == 0
