"""A row's ledger summarised for display: long intervals exact, short ones merged per slot with their
shares, holes shown as missing, and the row's extent covered end to end."""

from shared.ledger.timeline import Group, compose, slots_per_row

M = 60_000


def test_long_intervals_are_exact_and_holes_are_missing():
    groups = [Group((1, -1), 0, 100 * M, "data", "zip", False, 1, 100 * M),
              Group((2, -1), 120 * M, 200 * M, "no_trades", "zip", False, 1, 80 * M)]
    got = compose(groups, 0, 210 * M)
    assert [(s.start_ms // M, s.end_ms // M, s.state, s.source, s.stretches) for s in got] == [
        (0, 100, "data", "zip", 1), (100, 120, "missing", None, 1), (120, 200, "no_trades", "zip", 1),
        (200, 210, "missing", None, 1)]


def test_short_stretches_of_a_slot_are_one_segment_in_its_dominant_state_with_shares():
    # Slot 3 after the first long interval: 6 minutes of trades data, 2 of no_trades, 2 unheld.
    groups = [Group((1, -1), 0, 30 * M, "data", "zip", False, 1, 30 * M),
              Group((1, 3), 30 * M, 39 * M, "data", "trades", False, 3, 6 * M),
              Group((1, 3), 31 * M, 40 * M, "no_trades", "trades", False, 2, 2 * M)]
    (_, merged) = compose(groups, 0, 40 * M)
    assert (merged.start_ms, merged.end_ms, merged.state, merged.source) == (30 * M, 40 * M, "data", "trades")
    assert merged.merged and merged.stretches == 6  # five intervals and the holes between them
    assert merged.shares == {"data:trades": 0.6, "no_trades:trades": 0.2, "missing": 0.2}


def test_segments_never_overlap_and_cover_the_row():
    groups = [Group((0, 0), 0, 7 * M, "data", "rest", True, 4, 5 * M),
              Group((1, -1), 5 * M, 50 * M, "data", "zip", False, 1, 45 * M)]
    got = compose(groups, 0, 60 * M)
    assert got[0].start_ms == 0 and got[-1].end_ms == 60 * M
    assert all(a.end_ms == b.start_ms for a, b in zip(got, got[1:], strict=False))
    assert got[0].provisional


def test_more_rows_share_the_budget_within_bounds():
    assert slots_per_row(1) == 150 and slots_per_row(20) == 75 and slots_per_row(10_000) == 6
