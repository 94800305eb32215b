"""The ledger's intervals: what a span vouches for, how new knowledge overlays old, what is held."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.ledger.intervals import Interval, gaps, held, listing, merge_ledger, span_intervals

M = 60_000


def test_a_span_becomes_runs_of_data_and_confirmed_gaps():
    got = span_intervals(0, 10 * M, [2 * M, 3 * M, 7 * M], M, "zip")
    assert got == [Interval(0, 2 * M, "no_trades", "zip"), Interval(2 * M, 4 * M, "data", "zip"),
                   Interval(4 * M, 7 * M, "no_trades", "zip"), Interval(7 * M, 8 * M, "data", "zip"),
                   Interval(8 * M, 10 * M, "no_trades", "zip")]
    assert span_intervals(0, 5 * M, [], M, "rest") == [Interval(0, 5 * M, "no_trades", "rest")]


def test_young_rest_candles_are_provisional():
    got = span_intervals(0, 10 * M, list(range(0, 10 * M, M)), M, "rest", provisional_from_ms=8 * M)
    assert got == [Interval(0, 8 * M, "data", "rest"), Interval(8 * M, 10 * M, "data", "rest", True)]
    assert held(got, 0, 10 * M) == [(0, 8 * M)] and gaps(got, 0, 10 * M) == [(8 * M, 10 * M)]


def test_precedence_data_over_no_trades_trusted_over_rest_and_ties_to_the_newer():
    rest = [Interval(0, 10 * M, "data", "rest", True)]
    zipped = merge_ledger(rest, [Interval(0, 5 * M, "data", "zip")])
    assert zipped == [Interval(0, 5 * M, "data", "zip"), Interval(5 * M, 10 * M, "data", "rest", True)]
    # A final REST answer replaces a provisional one; it cannot replace the dump.
    again = merge_ledger(zipped, [Interval(0, 10 * M, "data", "rest")])
    assert again == [Interval(0, 5 * M, "data", "zip"), Interval(5 * M, 10 * M, "data", "rest")]
    # A claim of emptiness never hides a stored candle.
    assert merge_ledger(again, [Interval(0, 10 * M, "no_trades", "zip")]) == again
    # Equal neighbours become one interval.
    joined = merge_ledger([Interval(0, M, "data", "trades")], [Interval(M, 2 * M, "data", "trades")])
    assert joined == [Interval(0, 2 * M, "data", "trades")]


def test_listing_fills_holes_with_missing():
    ledger = [Interval(0, M, "data", "zip"), Interval(3 * M, 4 * M, "no_trades", "rest")]
    assert [(i.start_ms, i.end_ms, i.state) for i in listing(ledger, None, 5 * M)] == [
        (0, M, "data"), (M, 3 * M, "missing"), (3 * M, 4 * M, "no_trades"), (4 * M, 5 * M, "missing")]
    assert listing([], None, None) == []


intervals = st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10), st.sampled_from(["data", "no_trades"]),
                               st.sampled_from(["zip", "trades", "rest"]), st.booleans()), max_size=8)


def _build(raw) -> list[Interval]:
    out: list[Interval] = []
    for lo, n, state, source, provisional in raw:
        out = merge_ledger(out, [Interval(lo * M, (lo + n) * M, state, source, provisional)])
    return out


@settings(deadline=None)
@given(intervals, intervals)
def test_merging_never_overlaps_and_held_plus_gaps_partition_the_window(a, b):
    merged = merge_ledger(_build(a), _build(b))
    assert all(x.end_ms <= y.start_ms for x, y in zip(merged, merged[1:], strict=False))
    assert all(x.start_ms < x.end_ms for x in merged)
    parts = sorted(held(merged, 0, 70 * M) + gaps(merged, 0, 70 * M))
    assert parts[0][0] == 0 and parts[-1][1] == 70 * M
    assert all(x[1] == y[0] for x, y in zip(parts, parts[1:], strict=False))
    # Whatever was data stays data.
    for lo, n, state, *_ in a + b:
        if state == "data":
            assert all(i.state == "data" for i in merged if i.start_ms < (lo + n) * M and lo * M < i.end_ms)
