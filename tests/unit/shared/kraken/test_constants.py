"""Kraken's intervals against the system's timeframes: every timeframe maps onto one Kraken serves."""

from __future__ import annotations

from shared.kraken.constants import DUMP_INTERVAL, DUMP_MINUTES, OHLC_INTERVAL, OHLC_MINUTES
from shared.lake.timeframes import MINUTES


def test_every_timeframe_asks_ohlc_for_its_own_length_but_2w_for_1w():
    assert set(OHLC_INTERVAL) == set(MINUTES)
    assert set(OHLC_INTERVAL.values()) <= set(OHLC_MINUTES)
    assert OHLC_INTERVAL["2w"] == OHLC_INTERVAL["1w"] == MINUTES["1w"] == 10080
    assert all(OHLC_INTERVAL[tf] == MINUTES[tf] for tf in MINUTES if tf != "2w")


def test_the_dump_holds_1m_to_1d_and_no_weekly_files():
    assert list(DUMP_INTERVAL) == ["1m", "5m", "15m", "30m", "1h", "4h", "1d"]
    assert all(DUMP_INTERVAL[tf] == MINUTES[tf] and MINUTES[tf] in DUMP_MINUTES for tf in DUMP_INTERVAL)
