"""A batch's split: pieces within MAX_RANGE_DAYS on candle boundaries, a symbol's trades spans grouped
into one rebuild per overlap, and what of a fetch child's trades its batch's rebuilds leave it."""

from __future__ import annotations

from shared.planning.batch import DAY_MS, fetch_child, group_trades, pieces, rebuild_child, totals, uncovered
from shared.planning.planner import Segment

H = 3_600_000
M = 60_000


def test_a_range_longer_than_the_maximum_is_cut_into_pieces_within_it_on_candle_boundaries():
    start, end = 7 * M + 13, 4803 * DAY_MS + 59 * M + 1
    cut = pieces(start, end, "1m", 1830)
    assert cut[0][0] == 7 * M and cut[-1][1] == 4803 * DAY_MS + 59 * M
    assert all(b - a <= 1830 * DAY_MS for a, b in cut) and len(cut) == 3
    assert all(a % M == 0 and b % M == 0 for a, b in cut)
    assert [a for a, _ in cut[1:]] == [b for _, b in cut[:-1]]  # contiguous, no overlap


def test_a_range_within_the_maximum_or_without_one_is_one_piece():
    assert pieces(0, 10 * DAY_MS, "1h", 30) == [(0, 10 * DAY_MS)]
    assert pieces(0, 10 * DAY_MS, "1h", None) == [(0, 10 * DAY_MS)]
    assert pieces(5 * M, 30 * M, "1h", 30) == []  # no whole candle


def test_overlapping_trades_spans_of_one_symbol_become_one_rebuild_of_every_timeframe():
    spans = [("1m", 10 * H - M, 40 * H), ("5m", 10 * H - 5 * M, 30 * H), ("15m", 10 * H - 15 * M, 20 * H),
             ("1m", 100 * H, 101 * H)]
    assert group_trades(spans) == [(10 * H - 15 * M, 40 * H, ("1m", "5m", "15m")), (100 * H, 101 * H, ("1m",))]


def test_touching_spans_of_two_pieces_join():
    assert group_trades([("1m", 0, H), ("1m", H, 2 * H)]) == [(0, 2 * H, ("1m",))]


def test_what_a_rebuild_covers_is_left_out_and_a_cut_bucket_is_taken_whole():
    assert uncovered(0, 10 * H, [(0, 6 * H)], H) == [(6 * H, 10 * H)]
    assert uncovered(0, 10 * H, [(0, 6 * H + 5 * M)], H) == [(6 * H, 10 * H)]  # the 6h bucket was not closed
    assert uncovered(0, 10 * H, [(0, 10 * H)], H) == []
    assert uncovered(0, 10 * H, [], H) == [(0, 10 * H)]
    assert uncovered(0, 10 * H, [(2 * H, 3 * H)], H) == [(0, 2 * H), (3 * H, 10 * H)]


def test_a_fetch_child_costs_its_own_segments_and_names_the_rebuilds_of_its_timeframe():
    segments = [Segment("zip", 0, 5 * H, 0, 5 * H, rows=300), Segment("trades", 5 * H, 8 * H, 5 * H - M, 8 * H, calls=9),
                Segment("rest", 8 * H, 20 * H, 8 * H, 20 * H, calls=1, rows=720, seconds=1.2)]
    rebuilds = [(5 * H - M, 8 * H, ("1m", "5m")), (30 * H, 31 * H, ("1m",))]
    child = fetch_child("BTC/USD", "5m", 0, 20 * H, segments, rebuilds)
    assert (child.calls, child.rows, child.weight) == (1, 1020, 2)
    assert child.trades_covered == ((5 * H - M, 8 * H),)  # not the one outside its range
    assert fetch_child("BTC/USD", "1h", 0, 20 * H, segments, rebuilds).trades_covered == ()
    rebuild = rebuild_child("BTC/USD", 5 * H - M, 8 * H, ("1m", "5m"), 9, 1.2)
    assert (rebuild.job_type, rebuild.timeframes, rebuild.rows, rebuild.weight) == ("trade_rebuild", ("1m", "5m"), 181, 10)
    assert totals([child, rebuild]) == {"children": 2, "by_job_type": {"fetch": 1, "trade_rebuild": 1}, "calls": 10,
                                        "rows": 1201, "seconds": 12.0}
    assert child.key != rebuild.key
