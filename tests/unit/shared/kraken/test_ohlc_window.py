"""The REST path against Kraken's own recorded OHLC answer."""

from __future__ import annotations

import json

from shared.kraken.answers import OhlcWindow
from shared.kraken.candles import Candles
from shared.kraken.constants import OHLC_WINDOW
from shared.kraken.ohlc_window import OLDER_THAN_WINDOW, STILL_OPEN, fortnights, read_window, rest_window
from tests.paths import KRAKEN_DATA

CAPTURE = KRAKEN_DATA / "rest" / "ohlc_aiohttp_00_public_OHLC.json"
H = 3_600_000


def _capture() -> tuple[list[list], int]:
    result = json.loads(CAPTURE.read_text())["response"]["result"]
    return result["XXBTZUSD"], result["last"]


def _answer() -> OhlcWindow:
    return OhlcWindow.parse(json.loads(CAPTURE.read_text())["response"]["result"], 60)


def test_committed_candles_only_and_values_kept():
    rows, last = _capture()
    first_ms, open_ms = rows[0][0] * 1000, rows[-1][0] * 1000
    window = read_window(_answer(), first_ms, open_ms + H)
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
    rows, _ = _capture()
    first_ms = rows[0][0] * 1000
    window = read_window(_answer(), first_ms - 100 * H, first_ms + 10 * H)
    assert window.not_fetched[0]["reason"] == OLDER_THAN_WINDOW
    assert window.not_fetched[0]["end_timestamp"] == "2020-11-05T18:00:00Z"
    assert all(first_ms <= t < first_ms + 10 * H for t in window.candles.ts)


def test_range_inside_the_window_is_exact():
    rows, _ = _capture()
    start = rows[100][0] * 1000
    window = read_window(_answer(), start, start + 5 * H)
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


def test_the_answer_is_parsed_once_into_typed_columns_with_its_last():
    rows, last = _capture()
    answer = _answer()
    assert (answer.last_s, answer.interval_min) == (last, 60)
    assert len(answer.candles) == len(rows) == OHLC_WINDOW
    time_s, o, h, lo, c, vwap, volume, count = rows[-1]  # the still-open candle is kept in the answer
    newest = [column[-1] for column in answer.candles.columns()]
    assert newest == [time_s * 1000, float(o), float(h), float(lo), float(c), float(volume), float(vwap), count]
    assert all(isinstance(t, int) for t in answer.candles.ts + answer.candles.trades)


def test_the_window_is_the_newest_720_candles_up_to_the_last_committed_close():
    now = 1_607_189_546_000
    start, end = rest_window(now, H)
    assert end == now // H * H and end - start == 719 * H
    answer = _answer()
    assert (answer.candles.ts[0], answer.last_s * 1000 + H) == rest_window(answer.candles.ts[-1] + 1, H)


def test_a_table_of_rest_candles_in_the_lake_schema():
    rows, _ = _capture()
    window = read_window(_answer(), rows[0][0] * 1000, rows[-1][0] * 1000)
    table = window.candles.table()
    assert table.num_rows == len(window.candles) and set(table.column("source").to_pylist()) == {"rest"}
    assert table.column("ts").cast("int64").to_pylist() == window.candles.ts
