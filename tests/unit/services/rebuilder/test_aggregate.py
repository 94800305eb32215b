"""Streaming aggregation: split-invariance, agreement with a plain groupby, alignment, open buckets."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.rebuilder.aggregate import TradeAggregator, aggregate_trades
from shared.lake.schema import SCHEMA
from shared.lake.timeframes import MINUTES
from tests.unit.services.rebuilder.reload import reloaded

TFS = list(MINUTES)
NS = 1_000_000_000


def _ns(dt: datetime) -> int:
    return int(dt.timestamp()) * NS


def random_trades(seed: int, n: int, burst: int) -> pa.Table:
    """Trades over a few weeks: mostly seconds apart, some jumps of hours/days, one burst in a second."""
    rng = np.random.default_rng(seed)
    gaps = np.where(rng.random(n) < 0.02, rng.integers(3600, 3 * 86400, n), rng.integers(0, 40, n))
    secs = 1_600_000_000 + np.cumsum(gaps)
    if burst:
        at = rng.integers(0, n)
        secs = np.insert(secs, at, np.full(burst, secs[at]))
    ts = np.sort(secs * NS + rng.integers(0, NS, len(secs)) * (rng.random(len(secs)) < 0.5))
    price = np.round(100 * np.exp(np.cumsum(rng.normal(0, 1e-3, len(ts)))), 2)
    volume = np.round(rng.exponential(1.0, len(ts)), 8) + 1e-8
    return pa.table({"ts": ts, "price": price, "volume": volume})


def reference(trades: pa.Table, tf: str, end_ms: int) -> pd.DataFrame:
    """The whole-frame way: bucket every trade and group, with exact (fsum) totals."""
    df = trades.to_pandas()
    step = MINUTES[tf] * 60_000
    df["bucket"] = df.ts // 1_000_000 // step * step
    df["pv"] = df.price * df.volume
    g = df.groupby("bucket", sort=True)
    out = g.agg(open=("price", "first"), high=("price", "max"), low=("price", "min"), close=("price", "last"))
    out["trades"] = g.size()
    out["volume"] = g.volume.apply(math.fsum)
    out["vwap"] = g.pv.apply(math.fsum) / out.volume
    return out[out.index + step <= end_ms]


def frame(table: pa.Table) -> pd.DataFrame:
    df = table.drop_columns(["ts"]).to_pandas()
    df.index = table.column("ts").cast(pa.int64()).to_numpy()
    return df


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index)
    for col in ("open", "high", "low", "close", "trades"):
        assert np.array_equal(a[col].to_numpy(), b[col].to_numpy()), col
    for col in ("volume", "vwap"):
        np.testing.assert_allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=1e-12, atol=0, err_msg=col)


def split(table: pa.Table, cuts: list[int]) -> list[pa.Table]:
    bounds = [0, *sorted(c % (table.num_rows + 1) for c in cuts), table.num_rows]
    return [table.slice(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    burst=st.sampled_from([0, 1, 5000]),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
    tail_ms=st.integers(0, 15 * 86_400_000),
)
def test_batches_split_anywhere_give_the_single_pass_and_the_reference(seed, n, burst, cuts, tail_ms):
    trades = random_trades(seed, n, burst)
    end_ms = trades.column("ts")[-1].as_py() // 1_000_000 + tail_ms
    whole = aggregate_trades([trades], TFS, end_ms)
    pieces = aggregate_trades(split(trades, cuts), TFS, end_ms)
    for tf in TFS:
        assert whole[tf].schema == SCHEMA
        assert_same(frame(pieces[tf]), frame(whole[tf]))
        assert_same(frame(whole[tf]), reference(trades, tf, end_ms))


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(0, 3000), max_size=8))
def test_fill_mode_is_split_invariant_and_only_adds_flat_rows(seed, cuts):
    trades = random_trades(seed, 600, 0)
    end_ms = trades.column("ts")[-1].as_py() // 1_000_000 + 86_400_000
    tfs = ["5m", "1h", "1d"]
    whole = aggregate_trades([trades], tfs, end_ms, empty="fill")
    pieces = aggregate_trades(split(trades, cuts), tfs, end_ms, empty="fill")
    sparse = aggregate_trades([trades], tfs, end_ms)
    for tf in tfs:
        df = frame(whole[tf])
        assert_same(frame(pieces[tf]), df)
        step = MINUTES[tf] * 60_000
        assert np.all(np.diff(df.index) == step)  # no hole left
        assert df.index[-1] + step <= end_ms < df.index[-1] + 2 * step
        synth = df[df.synthetic]
        assert (synth.volume == 0).all() and (synth.trades == 0).all() and synth.vwap.isna().all()
        assert (synth[["open", "high", "low"]].to_numpy() == synth[["close"]].to_numpy()).all()
        prev_close = df.close.shift(1)[df.synthetic]
        assert (synth.close == prev_close).all()
        assert_same(df[~df.synthetic].drop(columns="synthetic"), frame(sparse[tf]))


def test_partial_sums_carried_across_many_batches_stay_exact():
    # 0.1 is not representable: naive carrying of one running float drifts by many ulps.
    n = 20_000
    trades = pa.table({"ts": np.full(n, 5 * NS), "price": np.full(n, 3.3), "volume": np.full(n, 0.1)})
    agg = TradeAggregator(["1m"])
    for part in split(trades, list(range(0, n, 7))):
        agg.feed(part)
    got = agg.finish(60_000)["1m"].to_pylist()[0]
    assert got["volume"] == pytest.approx(math.fsum([0.1] * n), rel=1e-15, abs=0)
    assert got["vwap"] == pytest.approx(3.3, rel=1e-15)


def test_kraken_alignment_weeks_open_on_thursday():
    monday = _ns(datetime(2020, 12, 7, 13, 59, 59, tzinfo=UTC))
    trades = pl.DataFrame({"ts": [monday], "price": [1.0], "volume": [1.0]})
    out = aggregate_trades([trades], ["4h", "1d", "1w", "2w"], _ns(datetime(2021, 1, 1, tzinfo=UTC)) // 10**6)
    opens = {tf: t.column("ts")[0].as_py() for tf, t in out.items()}
    assert opens["4h"] == datetime(2020, 12, 7, 12, tzinfo=UTC)
    assert opens["1d"] == datetime(2020, 12, 7, tzinfo=UTC)
    # Kraken aligns to the Unix epoch, a Thursday: weeks open Thursday 00:00 UTC, not Monday.
    assert opens["1w"] == datetime(2020, 12, 3, tzinfo=UTC)
    assert opens["2w"].weekday() == 3 and opens["2w"] <= opens["1w"]


def test_open_bucket_at_end_is_never_emitted_as_final():
    t0 = _ns(datetime(2021, 3, 1, 10, 0, tzinfo=UTC))
    trades = pa.table(
        {"ts": [t0, t0 + 90 * NS, t0 + 3700 * NS], "price": [1.0, 2.0, 3.0], "volume": [1.0] * 3}
    )
    agg = TradeAggregator(["1m", "1h"])
    fed = agg.feed(trades)
    assert fed["1h"].num_rows == 1 and fed["1m"].num_rows == 2  # 11:01 is still open
    end_ms = (t0 + 3700 * NS) // 10**6 + 1  # the data stops mid-hour and mid-minute
    done = agg.finish(end_ms)
    assert done["1h"].num_rows == 0 and done["1m"].num_rows == 0
    assert agg.unfinished["1h"].column("trades").to_pylist() == [1]
    assert agg.unfinished["1m"].column("ts")[0].as_py() == datetime(2021, 3, 1, 11, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        agg.feed(trades)
    again = TradeAggregator(["1m", "1h"])
    again.feed(trades)
    closed = again.finish(t0 // 10**6 + 2 * 3600_000)  # now both buckets have ended
    assert closed["1h"].num_rows == 1 and closed["1m"].num_rows == 1 and not again.unfinished


def test_out_of_order_trades_are_refused():
    agg = TradeAggregator(["1m"])
    agg.feed(pa.table({"ts": [10 * NS], "price": [1.0], "volume": [1.0]}))
    with pytest.raises(ValueError):
        agg.feed(pa.table({"ts": [9 * NS], "price": [1.0], "volume": [1.0]}))


def test_checkpointed_aggregator_resumes_where_it_stopped():
    # The rebuild service checkpoints the aggregator with its cursor; resuming must change nothing.
    trades = random_trades(11, 2000, 300)
    end_ms = trades.column("ts")[-1].as_py() // 1_000_000 + 86_400_000
    first, second = trades.slice(0, 1234), trades.slice(1234)
    agg = TradeAggregator(TFS, empty="fill")
    parts = [agg.feed(first)]
    agg = reloaded(agg)
    parts += [agg.feed(second), agg.finish(end_ms)]
    whole = aggregate_trades([trades], TFS, end_ms, empty="fill")
    for tf in TFS:
        resumed = frame(pa.concat_tables([p[tf] for p in parts]))
        assert_same(resumed, frame(whole[tf]))
        assert resumed.synthetic.equals(frame(whole[tf]).synthetic)


def test_accepts_record_batches_polars_frames_and_timestamp_columns():
    ts = [_ns(datetime(2021, 1, 1, 0, m, s, tzinfo=UTC)) for m, s in ((0, 1), (0, 2), (1, 1))]
    cols = {"ts": ts, "price": [1.0, 3.0, 2.0], "volume": [1.0, 1.0, 2.0]}
    as_ts = pa.table(cols).set_column(0, "ts", pa.array(ts, pa.timestamp("ns", tz="UTC")))
    inputs = [
        pa.table(cols),
        pa.RecordBatch.from_pydict(cols),
        pl.DataFrame(cols),
        as_ts,
        pl.from_arrow(as_ts),
    ]
    results = [aggregate_trades([batch], ["1m"], 1609459320_000)["1m"] for batch in inputs]
    assert results[0].column("trades").to_pylist() == [2, 1]
    assert results[0].column("vwap").to_pylist() == [2.0, 2.0]
    assert all(r.equals(results[0]) for r in results)
