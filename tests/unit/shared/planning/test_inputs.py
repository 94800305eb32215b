"""What the planner is told: REST candles a dump now covers are not held; 2w windows are whole fortnights."""

from __future__ import annotations

from shared.lake.timeframes import millis
from shared.ledger.intervals import Interval
from shared.planning.inputs import not_superseded, window_of
from shared.planning.planner import DumpExtent

M = 60_000


def test_rest_candles_under_a_dump_count_as_not_held():
    known = [Interval(0, 100 * M, "data", "rest"), Interval(100 * M, 200 * M, "data", "trades")]
    dump = DumpExtent("Kraken_OHLCVT_Q1_2026.zip", "XBTUSD_1.csv", 20 * M, 150 * M)
    assert not_superseded(known, [dump]) == [Interval(0, 20 * M, "data", "rest"),
                                              Interval(100 * M, 200 * M, "data", "trades")]
    assert not_superseded(known, []) == known


def test_the_two_week_window_holds_only_whole_fortnights():
    now = 1_790_000_000_000
    lo, hi = window_of(now, "2w")
    step = millis("2w")
    assert lo % step == 0 and hi % step == 0 and hi <= now and hi - lo <= 720 * millis("1w")
