"""The REST path against Kraken's own recorded OHLC answer."""

from __future__ import annotations

import json

from shared.kraken.ohlc_window import OLDER_THAN_WINDOW, STILL_OPEN, Candles, fortnights, read_window
from tests.paths import KRAKEN_DATA

CAPTURE = KRAKEN_DATA / "rest" / "ohlc_aiohttp_00_public_OHLC.json"
H = 3_600_000


def _capture() -> tuple[list[list], int]:
    result = json.loads(CAPTURE.read_text())["response"]["result"]
    return result["XXBTZUSD"], result["last"]


def test_committed_candles_only_and_values_kept():
    rows, last = _capture()
    first_ms, open_ms = rows[0][0] * 1000, rows[-1][0] * 1000
    window = read_window(rows, last, first_ms, open_ms + H, 60)
    assert last == rows[-2][0]
    assert open_ms not in window.candles.ts  # the still-open candle is never stored
    non_empty = [r for r in rows[:-1] if float(r[6]) > 0]
    assert len(window.candles) == len(non_empty)
    assert window.empty_intervals == len(rows) - 1 - len(non_empty)
    r = non_empty[0]
    i = window.candles.ts.index(r[0] * 1000)
    assert (window.candles.open[i], window.candles.vwap[i], window.candles.volume[i], window.candles.trades[i]) == (
        float(r[1]), float(r[5]), float(r[6]), r[7])
    assert window.not_fetched == [{"start_timestamp": "2020-12-05T17:00:00Z", "end_timestamp": "2020-12-05T18:00:00Z",
                                   "reason": STILL_OPEN}]


def test_range_older_than_the_window_is_reported():
    rows, last = _capture()
    first_ms = rows[0][0] * 1000
    window = read_window(rows, last, first_ms - 100 * H, first_ms + 10 * H, 60)
    assert window.not_fetched[0]["reason"] == OLDER_THAN_WINDOW
    assert window.not_fetched[0]["end_timestamp"] == "2020-11-05T18:00:00Z"
    assert all(first_ms <= t < first_ms + 10 * H for t in window.candles.ts)


def test_range_inside_the_window_is_exact():
    rows, last = _capture()
    start = rows[100][0] * 1000
    window = read_window(rows, last, start, start + 5 * H, 60)
    assert window.not_fetched == []
    assert window.candles.ts == [t for t in range(start, start + 5 * H, H)
                                 if float(next(r for r in rows if r[0] * 1000 == t)[6]) > 0]


def test_fortnights_follow_epoch_alignment():
    week, fortnight = 7 * 86_400_000, 14 * 86_400_000
    weeks = Candles()
    weeks.append(fortnight * 100, 10.0, 12.0, 9.0, 11.0, 2.0, 10.5, 3)
    weeks.append(fortnight * 100 + week, 11.0, 15.0, 8.0, 14.0, 6.0, 12.5, 5)
    weeks.append(fortnight * 101, 14.0, 14.0, 14.0, 14.0, 1.0, 14.0, 1)
    two = fortnights(weeks)
    assert two.ts == [fortnight * 100, fortnight * 101]
    assert (two.open[0], two.high[0], two.low[0], two.close[0], two.volume[0], two.trades[0]) == (
        10.0, 15.0, 8.0, 14.0, 8.0, 8)
    assert abs(two.vwap[0] - (2 * 10.5 + 6 * 12.5) / 8) < 1e-12
