"""Candles rebuilt from real Kraken trades agree with Kraken's own candles and dump files: volumes
exactly where Kraken prints them at their 8 decimals (REST OHLC, the older dump files), within a
relative 1e-12 where a newer dump file prints a float sum's noise."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from services.rebuilder import buckets as bk
from services.rebuilder import exact
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
    # Kraken prints this volume to its 8 decimals: the exact sum of the trades' volumes, rounded once,
    # is the very float of that text (a float sum of 486 trades drifts in its last bits).
    assert ours["volume"] == float(volume)
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


def test_dump_candle_volumes_are_the_exact_sums_of_the_printed_trade_volumes():
    totals: dict[tuple[str, int], Decimal] = {}
    for path in DUMPS:
        for r in csv.reader(path.open(newline="")):
            for tf, minutes in (("5m", 5), ("1h", 60)):
                key = (tf, int(r[0]) // (60 * minutes) * (60 * minutes) * 1000)
                totals[key] = totals.get(key, Decimal(0)) + Decimal(r[2])
        day_end_ms = (int(_last_line(path).split(",")[0]) // 86400 + 1) * 86_400_000
        for tf, table in import_dump(path, ["5m", "1h"], day_end_ms):
            for ts, volume in zip(table.column("ts").cast("int64").to_pylist(), table.column("volume").to_pylist(),
                                  strict=True):
                assert volume == float(totals.pop((tf, ts))), (tf, ts)
    assert not totals  # every bucket with trades came out


OHLCVT = DATA / "ohlcvt"
DUMP_COLUMNS = {"ts": pl.Int64, "open": pl.Float64, "high": pl.Float64, "low": pl.Float64, "close": pl.Float64,
                "volume": pl.Decimal(38, 8), "trades": pl.Int64}


def _hours_into_days(path: Path) -> pl.DataFrame:
    """Hourly dump candles summed into days by the aggregator's own exact partial sums: each hour a
    partial bucket, its printed volume read as a decimal (a noisy one rounded to 8 decimals)."""
    hours = pl.read_csv(path, has_header=False, schema=DUMP_COLUMNS)
    cols = {f: hours.get_column(f).to_numpy() for f in ("open", "high", "low", "close", "trades")}
    cols["ts"] = hours.get_column("ts").to_numpy() * 1000
    units = hours.get_column("volume").to_physical().cast(pl.Int64).to_numpy()
    cols |= dict(zip(bk.SUM_FIELDS, (*exact.of_units(units), *exact.of_units(np.zeros_like(units))), strict=True))
    days = bk.to_table(bk.reduce_sorted(cols, cols["ts"] // 86_400_000 * 86_400_000))
    return pl.from_arrow(days).select(pl.col("ts").cast(pl.Int64) // 1000, "volume", "trades")


@pytest.mark.parametrize("pair", ["XBTUSD", "ETHUSD"])
def test_days_built_from_the_older_hourly_dump_equal_the_newer_daily_dump(pair):
    """Which files print what: the 2020Q3 hourly files and the 2023Q1 quarter print volumes at Kraken's 8
    decimals (but for a few hours: 13 of XBTUSD's 50,378, 264 of ETHUSD's 41,688); the daily files of
    the 2021Q1 dump print float noise in a third to two thirds of their rows (`5451.5682908604`), as a
    float sum of the day's trades leaves it. So where the daily file prints 8 decimals, our exact sum
    of the hours equals it exactly; where it prints noise, within a relative 1e-12 (the noise itself,
    6.5e-13 at most here)."""
    ours = _hours_into_days(OHLCVT / "dump_2020Q3_hourly" / f"{pair}_60.csv")
    theirs = pl.read_csv(OHLCVT / "dump_2021Q1_daily" / f"{pair}_1440.csv", has_header=False,
                         schema={**DUMP_COLUMNS, "volume": pl.String})
    both = ours.join(theirs.select("ts", pl.col("volume").alias("text"), pl.col("trades").alias("count")), on="ts")
    both = both.filter(pl.col("trades") == pl.col("count"))  # the days both files hold whole
    printed = both.get_column("text").to_list()
    noisy = np.array(["." in t and len(t.split(".")[1]) > 8 for t in printed])
    got, want = both.get_column("volume").to_numpy(), np.array([float(t) for t in printed])
    assert len(both) > 1800 and 0 < noisy.sum() < len(both)
    assert np.array_equal(got[~noisy], want[~noisy])
    np.testing.assert_allclose(got[noisy], want[noisy], rtol=1e-12, atol=0)
