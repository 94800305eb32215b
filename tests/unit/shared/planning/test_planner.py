"""The planner: each point from the first source that can give it, seams fetched from both sides,
and estimates that follow the rate limit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.kraken.ohlc_window import rest_window
from shared.planning.planner import DumpExtent, PlanRequest, earliest_start, plan
from shared.planning.summary import summarize
from shared.planning.trade_counts import CountWindow, TradeCounts

M = 60_000  # one minute in ms
H = 60 * M
NOW = 1_000_000 * M + 20 * H  # some minute, 20:00 of its day
DUMP = DumpExtent("Kraken_OHLCVT.zip", "XBTUSD_1.csv", NOW - 30 * 24 * H, NOW - 20 * H)
WINDOW = rest_window(NOW, M)
# Kraken's 1h counts of a market listed 60 days ago that trades once a minute.
STEADY = TradeCounts((CountWindow(60, NOW - 60 * 24 * H, (60,) * (60 * 24), 0, NOW, True),))


def request(start: int, end: int, **kw) -> PlanRequest:
    base = {"timeframe": "1m", "held": [], "dumps": [DUMP], "rest_window": WINDOW, "trade_counts": STEADY}
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
    assert trades.trades == fetched_ms // M and trades.calls == fetched_ms // M // 1000 + 1 and trades.seconds == trades.calls * 1.2
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


def test_a_trades_segment_is_costed_from_krakens_counts():
    (seg,) = plan(request(DUMP.end_ms - 3 * M, WINDOW[0] - 3 * H, dumps=[]))
    assert seg.kind == "trades" and seg.trades == 5 * 60 + 4 and seg.calls == 1
    assert seg.note == "304 trades by Kraken's OHLC counts" and "unknown" not in seg.note


TRADES_Q = DumpExtent("Kraken_Trading_History_Q3_2026.zip", "XBTUSD.csv", DUMP.end_ms + 2 * H, DUMP.end_ms + 5 * H)


def test_a_trading_history_dump_inside_the_range_is_a_segment_of_its_own_with_its_file():
    """Bug 7: a range inside the trading-history dump showed "about 0 trades, 1 call", no file."""
    segments = plan(request(TRADES_Q.start_ms + H, TRADES_Q.end_ms - H, trade_dumps=(TRADES_Q,)))
    assert segments[0].rows == 60
    assert [(s.kind, s.dump, s.member, s.calls, s.trades) for s in segments] == [
        ("trades", TRADES_Q.name, "XBTUSD.csv", 0, 0)]
    assert TRADES_Q.name in segments[0].note


def test_a_trading_history_dump_in_the_middle_of_the_range_is_used_too():
    """Bug 8: only a dump at the start of a rebuild was used; one in the middle was paged from Kraken."""
    start, end = DUMP.end_ms, DUMP.end_ms + 7 * H
    before, dump, after = plan(request(start, end, trade_dumps=(TRADES_Q,)))
    assert (before.kind, before.dump, dump.dump, after.kind, after.dump) == (
        "trades", None, TRADES_Q.name, "trades", None)
    # The dump's child reads only its file: its neighbours fetch the seam candles across into it.
    assert (dump.fetch_start_ms, dump.fetch_end_ms) == (TRADES_Q.start_ms, TRADES_Q.end_ms) and dump.calls == 0
    assert before.fetch_end_ms == TRADES_Q.start_ms + M and after.fetch_start_ms == TRADES_Q.end_ms - M
    # What the API pages: the hours outside the dump (the seam candle after it is read from the dump).
    assert before.trades == 2 * 60 + 1 and after.trades == 2 * 60
    assert before.calls + after.calls == 2 and summarize([before, dump, after])["totals"]["calls"] == 2


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
