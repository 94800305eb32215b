"""Candles rebuilt from real Kraken trades agree with Kraken's own candles and dump files."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.rebuilder.aggregate import TradeAggregator
from services.rebuilder.trade_history_csv import import_dump
from shared.kraken.answers import TradesPage
from tests.paths import KRAKEN_DATA

DATA = KRAKEN_DATA
REST = DATA / "rest"
DUMPS = [DATA / "trades_dump" / "q1" / "BCHEUR.csv", DATA / "trades_dump" / "q2" / "BCHEUR.csv"]
ALL = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"]


def _result(name: str) -> dict:
    return json.loads((REST / name).read_text())["response"]["result"]


def _kraken_hourly() -> dict[int, list]:
    result = _result("ohlc_aiohttp_00_public_OHLC.json")
    rows = result["XXBTZUSD"][:-1]  # the last row is the still-open candle
    return {int(r[0]) * 1000: r for r in rows}


def test_rest_trades_rebuild_kraken_hourly_candle_exactly():
    page = TradesPage.parse(_result("trades_aiohttp_00_public_Trades.json"))
    trades, last_ns = page.trades, page.last_ns
    first_ms = trades.column("ts")[0].as_py() // 1_000_000
    end_ms = last_ns // 1_000_000 + 1  # the response holds every trade up to its `last` cursor
    agg = TradeAggregator(ALL, start_ms=first_ms)
    hourly = agg.feed(trades)["1h"].to_pylist() + agg.finish(end_ms)["1h"].to_pylist()
    # Trades run 15:43:51..17:32:26: only 16:00 is covered whole; 15:00 lacks its start, 17:00 its end.
    assert [c["ts"] for c in hourly] == [datetime(2020, 12, 5, 16, tzinfo=UTC)]
    assert "1h" in agg.unfinished
    ours = hourly[0]
    _, o, h, lo, c, vwap, volume, count = _kraken_hourly()[1607184000_000]
    assert (ours["open"], ours["high"], ours["low"], ours["close"]) == tuple(map(float, (o, h, lo, c)))
    assert ours["trades"] == count == 486
    assert ours["volume"] == pytest.approx(float(volume), rel=1e-12, abs=0)
    # Kraken rounds vwap to the pair's price decimals ("19108.4"); ours is the unrounded value.
    decimals = len(vwap.split(".")[1])
    assert round(ours["vwap"], decimals) == float(vwap)
    assert ours["source"] == "trades"


def test_rest_trades_minute_candles_add_up_to_the_hour():
    trades = TradesPage.parse(_result("trades_aiohttp_00_public_Trades.json")).trades
    agg = TradeAggregator(["1m", "1h"])
    out = agg.feed(trades)
    hour = out["1h"].filter(out["1h"].column("ts").cast("int64").to_numpy() == 1607184000_000)
    minutes = out["1m"].to_pandas()
    minutes = minutes[(minutes.ts >= "2020-12-05 16:00Z") & (minutes.ts < "2020-12-05 17:00Z")]
    assert minutes.trades.sum() == hour.column("trades")[0].as_py() == 486
    assert minutes.high.max() == hour.column("high")[0].as_py()
    assert minutes.iloc[0].open == hour.column("open")[0].as_py()
    assert minutes.iloc[-1].close == hour.column("close")[0].as_py()


def _dump_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for path in DUMPS:
        with path.open(newline="") as f:
            rows += list(csv.reader(f))
    return rows


def test_dump_import_keeps_every_trade_including_identical_rows():
    rows = _dump_rows()
    assert len(rows) == 634
    assert len({tuple(r) for r in rows}) == 634 - 49  # byte-identical rows are still distinct trades
    csv_volume = math.fsum(float(r[2]) for r in rows)
    tfs = ["1m", "5m", "15m", "1h", "4h", "1d"]
    totals = {tf: [0, 0.0] for tf in tfs}
    for path in DUMPS:
        day_end_ms = (int(_last_line(path).split(",")[0]) // 86400 + 1) * 86_400_000
        for tf, table in import_dump(path, tfs, day_end_ms):
            totals[tf][0] += sum(table.column("trades").to_pylist())
            totals[tf][1] += math.fsum(table.column("volume").to_pylist())
    for tf in tfs:
        assert totals[tf][0] == 634, tf
        assert totals[tf][1] == pytest.approx(csv_volume, rel=1e-12, abs=0), tf


def test_dump_daily_candle_is_first_last_max_min_of_the_file():
    rows = list(csv.reader(DUMPS[0].open(newline="")))
    end_ms = (int(rows[-1][0]) // 86400 + 1) * 86_400_000
    (tf, day), *rest = list(import_dump(DUMPS[0], ["1d"], end_ms))
    assert not rest and day.num_rows == 1
    prices = [float(r[1]) for r in rows]
    got = day.to_pylist()[0]
    assert got["ts"] == datetime(2023, 1, 1, tzinfo=UTC)
    assert (got["open"], got["close"]) == (prices[0], prices[-1])
    assert (got["high"], got["low"], got["trades"]) == (max(prices), min(prices), 148)


def _last_line(path: Path) -> str:
    return path.read_text().strip().splitlines()[-1]
