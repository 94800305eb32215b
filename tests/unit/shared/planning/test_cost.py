"""A rebuild's estimate from Kraken's OHLC trade counts: n trades take n // 1000 + 1 Trades calls."""

from __future__ import annotations

from shared.lake.timeframes import iso
from shared.planning.cost import api_part, api_parts, estimate
from shared.planning.trade_counts import CountWindow, TradeCounts, trades_calls

H = 3_600_000
HOURLY = TradeCounts((CountWindow(60, 0, (1000, 3000) * 5, 0, 10 * H, True),))


def test_paging_stops_at_the_first_page_that_reaches_the_end():
    assert [trades_calls(n) for n in (0, 1, 999, 1000, 1001, 20_000)] == [1, 1, 1, 2, 2, 21]


def test_the_estimate_follows_the_counts_page_size_and_rate_limit():
    got = estimate(HOURLY, 0, 10 * H, 1.2)
    assert got["trades"] == 20_000 and got["calls"] == 21 and got["seconds"] == 25.2
    assert got["density_per_hour"] == 2000.0 and got["counted_from"] == ["1h"]
    assert estimate(HOURLY, 5, 5, 1.2)["calls"] == 0


def test_the_dump_part_costs_nothing_and_moves_where_the_api_starts():
    assert api_part(0, 10 * H, None) == (0, None)
    assert api_part(5 * H, 10 * H, 2 * H) == (5 * H, None)  # the dump ends before the range
    start, part = api_part(0, 10 * H, 4 * H)
    assert start == 4 * H and part == {"start_timestamp": iso(0), "end_timestamp": iso(4 * H), "calls": 0}
    assert api_part(0, 10 * H, 20 * H)[0] == 10 * H  # the dump holds it all: nothing for the API


def test_the_trades_api_pages_around_every_dump_stretch_wherever_it_lies():
    assert api_parts(0, 10 * H, []) == [(0, 10 * H)]
    assert api_parts(0, 10 * H, [(4 * H, 6 * H)]) == [(0, 4 * H), (6 * H, 10 * H)]
    assert api_parts(0, 10 * H, [(0, 3 * H), (3 * H, 5 * H), (8 * H, 10 * H)]) == [(5 * H, 8 * H)]
    assert api_parts(0, 10 * H, [(0, 10 * H)]) == []
