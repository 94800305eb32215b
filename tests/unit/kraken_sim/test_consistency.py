"""Trades, REST candles and dump files all tell the same story: candles rebuilt
from the tape's trades (here with polars, independently of the simulator's
own aggregation) equal the OHLC endpoint's committed rows and the dump rows."""

from __future__ import annotations

import csv
import io
import zipfile

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.kraken_sim import running_simulator

from .helpers import NS, get_json, get_raw

BASE_S = 1_388_534_400      # 2014-01-01
DAY_S = 86_400


def reference_candles(trades, interval_min: int) -> dict[int, dict]:
    """Kraken's aggregation written out plainly with polars: bucket -> candle."""
    sec = interval_min * 60
    df = pl.DataFrame({"ts": trades.ts_ns, "p": trades.price, "v": trades.volume})
    df = df.with_columns(bucket=(pl.col("ts") // NS) // sec * sec)
    out = df.group_by("bucket", maintain_order=True).agg(
        o=pl.col("p").first(), h=pl.col("p").max(), lo=pl.col("p").min(), c=pl.col("p").last(),
        pv=(pl.col("p") * pl.col("v")).sum(), v=pl.col("v").sum(), n=pl.len())
    return {r["bucket"]: r for r in out.iter_rows(named=True)}


def check_rest_rows(rows: list[list], ref: dict[int, dict], decimals: int) -> None:
    prev_close = None
    for t, o, h, lo, c, vwap, vol, n in rows:
        if n == 0:
            assert t not in ref
            assert o == h == lo == c and (prev_close is None or c == prev_close)
            assert vwap == f"{0:.{decimals}f}" and vol == "0.00000000"
        else:
            r = ref[t]
            assert (o, h, lo, c) == tuple(f"{r[k]:.{decimals}f}" for k in ("o", "h", "lo", "c"))
            assert n == r["n"] and vol == f"{r['v']:.8f}"
            assert abs(float(vwap) - r["pv"] / r["v"]) <= 1.01 * 10**-decimals
        prev_close = c


def check_dump_rows(rows: list[list[str]], ref: dict[int, dict]) -> None:
    assert [int(r[0]) for r in rows] == sorted(ref)            # exactly the buckets with trades
    for t, o, h, lo, c, vol, n in rows:
        r = ref[int(t)]
        assert (float(o), float(h), float(lo), float(c)) == (r["o"], r["h"], r["lo"], r["c"])
        assert int(n) == r["n"] and abs(float(vol) - r["v"]) < 1e-8


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 2**31),
    day=st.integers(0, 12 * 365),
    second=st.integers(0, DAY_S - 1),
    pair=st.sampled_from(["XBTUSD", "ETHUSD", "ETHXBT", "XBTUSDC"]),
    interval=st.sampled_from([1, 5, 15, 60, 240, 1440]),
)
async def test_trades_rest_and_dump_agree(seed, day, second, pair, interval):
    now_s = BASE_S + day * DAY_S + second
    cutoff = now_s // DAY_S * DAY_S
    async with running_simulator(seed=seed, now=now_s, rate_limit=None, dump_cutoff=cutoff) as sim:
        p = sim.pair(pair)
        assume(now_s > p.listed_s + 3 * DAY_S)
        body = await get_json(sim.url, "/0/public/OHLC", pair=pair, interval=interval)
        rows = body["result"][p.id]
        assert body["result"]["last"] == rows[-2][0]
        committed = rows[:-1]
        start, end = committed[0][0], rows[-1][0]
        ref = reference_candles(sim.trades(p, start * NS, end * NS), interval)
        check_rest_rows(committed, ref, p.pair_decimals)
        assert committed == sim.committed_ohlc(pair, interval, start, end)

        dump_start = cutoff - 2 * DAY_S
        status, _, data = await get_raw(sim.url, "/_sim/dumps/Kraken_OHLCVT.zip", pairs=pair,
                                        intervals=str(interval), start=str(dump_start))
        assert status == 200
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.namelist() == [f"{pair}_{interval}.csv"]
            dump_rows = list(csv.reader(io.TextIOWrapper(zf.open(zf.namelist()[0]))))
        assert all(len(r) == 7 for r in dump_rows)
        check_dump_rows(dump_rows, reference_candles(sim.trades(p, dump_start * NS, cutoff * NS), interval))


async def test_window_starts_at_listing():
    """A pair listed inside the window has fewer than 720 rows, starting at its listing."""
    async with running_simulator(seed=3, now="2019-12-19T10:30:00Z", rate_limit=None) as sim:
        body = await get_json(sim.url, "/0/public/OHLC", pair="XBTUSDC", interval=60)
        rows = body["result"]["XBTUSDC"]
        assert [r[0] for r in rows] == list(range(1576713600, 1576749600 + 1, 3600))
        trades = sim.trades("XBTUSDC", 0, sim.now_ns())
        assert trades.n and int(trades.ts_ns[0]) >= 1576713600 * NS
        first_trade_bucket = int(trades.ts_ns[0]) // NS // 3600 * 3600
        for r in rows:
            if r[0] < first_trade_bucket:   # before the first trade: flat rows at zero
                assert r[1:] == ["0.00"] * 5 + ["0.00000000", 0]


async def test_dump_files_and_trading_history():
    async with running_simulator(seed=5, now="2023-04-02T08:00:00Z", rate_limit=None) as sim:
        listing = (await get_json(sim.url, "/_sim/dumps"))
        assert listing["cutoff"] == "2023-04-01T00:00:00Z"
        assert "Kraken_OHLCVT_Q1_2023.zip" in listing["files"]
        assert "Kraken_OHLCVT_Q2_2023.zip" not in listing["files"]
        status, ctype, data = await get_raw(sim.url, "/_sim/dumps/Kraken_OHLCVT_Q1_2023.zip",
                                            pairs="XBTUSDC", intervals="60,1440")
        assert status == 200 and ctype == "application/zip"
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.namelist() == ["XBTUSDC_60.csv", "XBTUSDC_1440.csv"]
            daily = list(csv.reader(io.TextIOWrapper(zf.open("XBTUSDC_1440.csv"))))
        assert int(daily[0][0]) >= 1672531200 and int(daily[-1][0]) == 1680220800
        assert (await get_raw(sim.url, "/_sim/dumps/Kraken_OHLCVT_Q2_2023.zip"))[0] == 404

        start = 1680220800   # the last day of the quarter
        status, _, data = await get_raw(sim.url, "/_sim/dumps/Kraken_Trading_History.zip",
                                        pairs="XBTUSD", start=str(start))
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.namelist() == ["XBTUSD.csv"]
            lines = zf.read("XBTUSD.csv").decode().splitlines()
        trades = sim.trades("XBTUSD", start * NS, 1680307200 * NS)
        assert len(lines) == trades.n                         # same-second trades all kept
        assert lines[0] == f"{trades.ts_ns[0] // NS},{trades.price[0]:.5f},{trades.volume[0]:.8f}"
        seconds = [int(x.split(",")[0]) for x in lines]
        assert len(set(seconds)) < len(seconds)


async def test_write_dumps_to_folder(tmp_path):
    async with running_simulator(seed=5, now="2023-04-02T08:00:00Z", rate_limit=None) as sim:
        paths = sim.write_dumps(tmp_path, names=("Kraken_OHLCVT.zip", "Kraken_Trading_History_Q1_2023.zip"),
                                pairs=["ETHUSD"], intervals=(5,), start="2023-03-30")
        assert [p.name for p in paths] == ["Kraken_OHLCVT.zip", "Kraken_Trading_History_Q1_2023.zip"]
        with zipfile.ZipFile(paths[0]) as zf:
            rows = list(csv.reader(io.TextIOWrapper(zf.open("ETHUSD_5.csv"))))
        ref = reference_candles(sim.trades("ETHUSD", 1680134400 * NS, 1680307200 * NS), 5)
        check_dump_rows(rows, ref)


async def test_the_weekly_and_fifteen_day_counts_are_the_trades_of_each_bucket():
    """The exact cost plan reads a range's trades from these counts: each epoch-aligned 1w (Thursday) and
    15-day bucket counts exactly the tape's trades in it, from the listing on."""
    async with running_simulator(seed=4, now="2020-06-01T10:30:00Z", rate_limit=None) as sim:
        trades = sim.trades("XBTUSDC", 0, sim.now_ns())
        for interval in (10080, 21600):
            body = await get_json(sim.url, "/0/public/OHLC", pair="XBTUSDC", interval=interval)
            rows = body["result"]["XBTUSDC"]
            sec = interval * 60
            assert all(r[0] % sec == 0 for r in rows) and rows[0][0] == 1576713600 // sec * sec
            want = reference_candles(trades, interval)
            assert {r[0]: r[7] for r in rows if r[7]} == {t: c["n"] for t, c in want.items()}
            assert sum(r[7] for r in rows) == trades.n
