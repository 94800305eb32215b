"""Rebuilt candles against Kraken's OHLC answer: equal candles match, a candle on one side only differs,
and Kraken's flat no-trade rows are no candle."""

from __future__ import annotations

from services.rebuilder.ohlc_check import compare_window
from shared.kraken.answers import OhlcWindow
from shared.kraken.ohlc_window import read_window

M = 60_000


def rows() -> list[list]:
    # [time_s, o, h, l, c, vwap, volume, count]; the 2nd minute is flat (no trades), the last is open.
    return [[0, "10.0", "11.0", "9.0", "10.5", "10.2", "3.00000000", 4],
            [60, "10.5", "10.5", "10.5", "10.5", "0.0", "0.00000000", 0],
            [120, "10.5", "12.0", "10.5", "12.0", "11.1", "1.00000000", 2],
            [180, "12.0", "12.0", "12.0", "12.0", "12.0", "0.5", 1]]


def kraken_table():
    """Kraken's candles of [0, 3 min) as the check reads them, from an answer whose `last` is minute 2."""
    return read_window(OhlcWindow.parse({"XXBTZUSD": rows(), "last": 120}, 1), 0, 180 * 1000).candles.table()


def test_equal_candles_match_and_flat_rows_are_no_candle():
    theirs = kraken_table()
    assert theirs.num_rows == 2  # the flat row and the open candle are not candles
    ours = theirs.select(theirs.column_names)
    report = compare_window(ours.set_column(8, "source", theirs.column("source")), theirs, 0, 180_000)
    assert (report["compared"], report["matched"], report["differing"]) == (2, 2, 0)


def test_a_candle_on_one_side_only_is_a_difference():
    theirs = kraken_table()
    report = compare_window(theirs.slice(0, 1), theirs, 0, 180_000)
    assert (report["only_rebuilt"], report["only_kraken"], report["differing"]) == (0, 1, 1)
    report = compare_window(None, theirs, 0, 180_000)
    assert report["only_kraken"] == 2
