"""The dump benchmark's own pieces work on a small file: generator, our import, pandas, the check."""

from __future__ import annotations

import polars as pl

from bench.rebuild_dump import generate, run_ours, run_pandas, same_candles


def test_benchmark_pipeline_on_a_small_file(tmp_path):
    csv = tmp_path / "trades.csv"
    generate(csv, 30_000, chunk=7_000)
    df = pl.read_csv(csv, has_header=False, new_columns=["ts", "price", "volume"])
    assert df.height == 30_000 and df["ts"].is_sorted() and df["ts"].n_unique() < 20_000
    assert csv.read_text().splitlines()[0].count(".") == 2  # decimals as Kraken writes them
    assert run_ours(csv, tmp_path) == run_pandas(csv, tmp_path) == 30_000
    assert same_candles(tmp_path)
