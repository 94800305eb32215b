"""The planner: each point from the first source that can give it, seams fetched from both sides,
and estimates that follow the rate limit."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.kraken.ohlc_window import rest_window
from shared.planning.planner import DumpExtent, PlanRequest, earliest_start, plan
from shared.planning.summary import summarize

M = 60_000  # one minute in ms
H = 60 * M
NOW = 1_000_000 * M + 20 * H  # some minute, 20:00 of its day
DUMP = DumpExtent("Kraken_OHLCVT.zip", "XBTUSD_1.csv", NOW - 30 * 24 * H, NOW - 20 * H)
WINDOW = rest_window(NOW, M)


def request(start: int, end: int, **kw) -> PlanRequest:
    base = {"timeframe": "1m", "held": [], "dumps": [DUMP], "rest_window": WINDOW, "trades_per_ms": 1 / M}
    return PlanRequest(start_ms=start, end_ms=end, **(base | kw))


def test_the_rest_window_is_the_newest_720_candles_the_last_still_open():
    assert rest_window(NOW + 30_000, M) == (NOW - 719 * M, NOW)


def test_a_range_over_dump_trades_gap_and_rest_window():
    start, end = DUMP.end_ms - 2 * H, NOW - H
    segments = plan(request(start, end))
    assert [(s.kind, s.start_ms, s.end_ms) for s in segments] == [
        ("zip", start, DUMP.end_ms), ("trades", DUMP.end_ms, WINDOW[0]), ("rest", WINDOW[0], end)]
    zip_seg, trades, rest = segments
    # Trades reach anything, so trades fetches one candle across both of its seams.
    assert (trades.fetch_start_ms, trades.fetch_end_ms) == (DUMP.end_ms - M, WINDOW[0] + M)
    assert (zip_seg.fetch_start_ms, zip_seg.fetch_end_ms, rest.fetch_start_ms) == (start, DUMP.end_ms, WINDOW[0])
    assert zip_seg.calls == 0 and zip_seg.rows == 120 and zip_seg.member == "XBTUSD_1.csv"
    assert rest.calls == 1 and rest.seconds == 1.2 and rest.rows == (end - WINDOW[0]) // M
    fetched_ms = trades.fetch_end_ms - trades.fetch_start_ms
    assert trades.calls == math.ceil(fetched_ms / M / 1000) + 1 and trades.seconds == trades.calls * 1.2
    totals = summarize(segments)["totals"]
    assert totals["calls"] == trades.calls + 1 and totals["by_kind"]["zip"]["segments"] == 1


def test_held_parts_are_skipped_and_neighbours_reach_into_them():
    start, end = DUMP.end_ms + H, WINDOW[0] - H
    segments = plan(request(start, end, held=[(start + 10 * M, start + 20 * M)]))
    assert [(s.kind, s.start_ms, s.end_ms) for s in segments] == [
        ("trades", start, start + 10 * M), ("covered", start + 10 * M, start + 20 * M), ("trades", start + 20 * M, end)]
    assert segments[1].calls == 0 and segments[1].fetch_start_ms == segments[1].start_ms
    assert segments[0].fetch_end_ms == start + 11 * M and segments[2].fetch_start_ms == start + 19 * M
    everything = plan(request(start, end, held=[(0, NOW)]))
    assert [s.kind for s in everything] == ["covered"] and summarize(everything)["totals"]["calls"] == 0


def test_without_the_dump_older_parts_come_from_trades():
    start = DUMP.end_ms - 2 * H
    kinds = [s.kind for s in plan(request(start, NOW - H, seed_from_zip=False))]
    assert kinds == ["trades", "rest"]


def test_weekly_candles_come_from_rest_when_the_dump_has_none():
    week = 7 * 24 * H
    window = rest_window(NOW, week)
    segments = plan(request(window[0] + 10 * week, NOW, timeframe="1w", dumps=[], rest_window=window))
    assert [s.kind for s in segments] == ["rest"] and segments[0].calls == 1


def test_unknown_density_says_so():
    seg = plan(request(DUMP.end_ms, DUMP.end_ms + H, trades_per_ms=None))[0]
    assert seg.kind == "trades" and seg.calls == 1 and "unknown" in seg.note


def test_a_later_dump_wins_where_two_cover_the_same_time():
    quarter = DumpExtent("Kraken_OHLCVT_Q3_2026.zip", "XBTUSD_1.csv", DUMP.end_ms - 5 * H, DUMP.end_ms + 5 * H)
    segments = plan(request(DUMP.end_ms - 10 * H, DUMP.end_ms + 2 * H, dumps=[DUMP, quarter]))
    assert [(s.kind, s.dump) for s in segments] == [("zip", DUMP.name), ("zip", quarter.name)]


def test_provisional_rest_and_ends_are_floored_to_whole_candles():
    segments = plan(request(WINDOW[0] + 30_000, NOW - 30_000))
    assert segments[0].start_ms == WINDOW[0] and segments[-1].end_ms == NOW - M


def test_full_history_starts_at_the_dump_or_the_first_trade():
    assert earliest_start([DUMP], 5) == DUMP.start_ms
    assert earliest_start([], 5) == 5 and earliest_start([], None) is None


@settings(deadline=None)
@given(st.integers(0, 60 * 24), st.integers(1, 60 * 24 * 40),
       st.lists(st.tuples(st.integers(0, 60 * 24 * 40), st.integers(1, 600)), max_size=5))
def test_segments_are_contiguous_and_cover_the_request(offset, length, held):
    start = DUMP.end_ms - 3 * 24 * H + offset * M
    end = start + length * M
    holds = [(start + a * M, start + (a + n) * M) for a, n in held]
    segments = plan(request(start, end, held=holds))
    assert segments[0].start_ms == start and segments[-1].end_ms == min(end, end // M * M)
    for a, b in zip(segments, segments[1:], strict=False):
        assert a.end_ms == b.start_ms and (a.kind, a.dump) != (b.kind, b.dump)
        assert a.fetch_end_ms > a.end_ms or b.fetch_start_ms < b.start_ms or "covered" == a.kind == b.kind \
            or "not comparable" in b.note
    for s in segments:
        assert s.fetch_start_ms <= s.start_ms < s.end_ms <= s.fetch_end_ms
        assert s.fetch_end_ms - s.end_ms <= M and s.start_ms - s.fetch_start_ms <= M
