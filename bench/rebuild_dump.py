"""Trading-history CSV to candles: our streaming import against a bare polars.read_csv of the same
file and against the whole-frame pandas way (read everything, resample once per timeframe).

    python -m bench.rebuild_dump [--sizes 10000000,50000000] [--quick] [--repeat 5]

Each measurement runs in its own subprocess and reports its own peak RSS (VmHWM). Times cover
the work only (imports excluded); the best of --repeat runs is kept, since other load on a 2-core
machine only ever slows a run down.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.measure import child
from bench.measure import run_child as measure_child

TIMEFRAMES = ["1m", "5m", "15m", "1h", "4h", "1d"]
PANDAS_RULES = {"1m": "1min", "5m": "5min", "15m": "15min", "1h": "1h", "4h": "4h", "1d": "1D"}
GIB = 1 << 30


def generate(path: Path, rows: int, seed: int = 7, chunk: int = 2_000_000) -> None:
    """Kraken-like rows: rising whole seconds with many trades per second, exact decimal text."""
    import polars as pl

    rng = np.random.default_rng(seed)
    second, tick = 1_600_000_000, 200_000  # price in 0.1 units: 20000.0
    with path.open("wb") as f:
        for done in range(0, rows, chunk):
            n = min(chunk, rows - done)
            # Geometric gaps: 60% of trades share their second with the one before.
            secs = second + np.cumsum(rng.geometric(0.6, n) - 1)
            ticks = tick + np.cumsum(rng.integers(-3, 4, n))
            units = rng.geometric(1e-8, n)  # volume in 1e-8 units, 1 BTC on average
            second, tick = int(secs[-1]), int(ticks[-1])
            df = pl.DataFrame({"s": secs, "t": ticks, "u": units})
            df.select(
                pl.col("s"),
                pl.format("{}.{}00000", pl.col("t") // 10, pl.col("t") % 10),
                pl.format("{}.{}", pl.col("u") // 10**8, (pl.col("u") % 10**8).cast(pl.String).str.zfill(8)),
            ).write_csv(f, include_header=False, quote_style="never")


def sample(csv: Path, out: Path) -> Path:
    """The file's first megabyte or so, whole lines: each side runs on it once before the clock starts."""
    with csv.open("rb") as f:
        head = f.read(1 << 20)
    path = out / "warmup.csv"
    path.write_bytes(head[: head.rfind(b"\n") + 1])
    return path


def run_polars(csv: Path, out: Path) -> int:
    import polars as pl

    return pl.read_csv(csv, has_header=False).height


def run_ours(csv: Path, out: Path) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from services.rebuilder.trade_history_csv import import_dump
    from shared.lake.schema import SCHEMA

    writers = {tf: pq.ParquetWriter(out / f"ours_{tf}.parquet", SCHEMA) for tf in TIMEFRAMES}
    pending: dict[str, list[pa.Table]] = {tf: [] for tf in TIMEFRAMES}
    trades = 0
    for tf, table in import_dump(csv, TIMEFRAMES, end_ms=2**62):
        pending[tf].append(table)
        if tf == "1d":
            trades += pc.sum(table.column("trades")).as_py()
        if sum(t.num_rows for t in pending[tf]) >= 100_000:  # bounded buffers, sizeable row groups
            writers[tf].write_table(pa.concat_tables(pending[tf]))
            pending[tf] = []
    for tf, writer in writers.items():
        if pending[tf]:
            writer.write_table(pa.concat_tables(pending[tf]))
        writer.close()
    return trades


def run_pandas(csv: Path, out: Path) -> int:
    import pandas as pd

    df = pd.read_csv(csv, header=None, names=["ts", "price", "volume"])
    # Naive UTC index: pandas ignores origin="epoch" for daily rules on tz-aware indexes.
    df.index = pd.to_datetime(df.pop("ts"), unit="s")
    df["pv"] = df.price * df.volume
    for tf, rule in PANDAS_RULES.items():
        r = df.resample(rule, origin="epoch")  # epoch-aligned, as Kraken's buckets are
        c = r.price.ohlc()
        c["volume"], c["trades"] = r.volume.sum(), r.price.count()
        c["vwap"] = r.pv.sum() / c.volume
        c = c[c.trades > 0]
        c.index = c.index.tz_localize("UTC")
        c.to_parquet(out / f"pandas_{tf}.parquet")
    return len(df)


MODES = {"polars read_csv": run_polars, "ours": run_ours, "pandas resample": run_pandas}
IMPORTS = {
    "polars read_csv": ["polars"],
    "ours": ["pyarrow.parquet", "services.rebuilder.trade_history_csv"],
    "pandas resample": ["pandas", "pyarrow.parquet"],
}


def run_child(mode: str, csv: Path, out: Path) -> dict:
    return measure_child("bench.rebuild_dump", mode, csv, out)


def measure(csv: Path, out: Path, repeat: int) -> dict[str, dict]:
    """Best time and highest peak RSS per mode. Rounds alternate the modes, so a burst of other
    load on the machine hits them alike; pandas, slow and not the one under test, runs once."""
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for i in range(repeat):
        for mode in MODES:
            if i == 0 or not mode.startswith("pandas"):
                runs[mode].append(run_child(mode, csv, out))
    return {
        mode: min(rs, key=lambda r: r["seconds"]) | {"rss": max(r["rss"] for r in rs)}
        for mode, rs in runs.items()
    }


def same_candles(out: Path) -> bool:
    """Our 1h and 1d candles equal pandas' (o/h/l/c/trades exactly, volume and vwap to 1e-12)."""
    import pandas as pd

    for tf in ("1h", "1d"):
        ours = pd.read_parquet(out / f"ours_{tf}.parquet").set_index("ts")
        theirs = pd.read_parquet(out / f"pandas_{tf}.parquet")
        if list(ours.index) != list(theirs.index):
            return False
        for col in ("open", "high", "low", "close", "trades"):
            if not np.array_equal(ours[col].to_numpy(), theirs[col].to_numpy()):
                return False
        for col in ("volume", "vwap"):
            if not np.allclose(ours[col].to_numpy(), theirs[col].to_numpy(), rtol=1e-12, atol=0):
                return False
    return True


PANDAS_MEMORY_AT = 50_000_000  # the memory target against pandas is set at 50 million trades


def report(rows: int, res: dict[str, dict], same: bool) -> list[tuple[str, bool]]:
    print(f"\n{rows:,} trades" + ("" if same else "  (!! ours and pandas candles differ)"))
    print(f"  {'':18}{'seconds':>9}{'Mrows/s':>9}{'peak RSS MiB':>14}")
    for mode, r in res.items():
        print(f"  {mode:18}{r['seconds']:9.2f}{rows / r['seconds'] / 1e6:9.2f}{r['rss'] / 2**20:14.0f}")
    base, ours, pdx = res["polars read_csv"], res["ours"], res["pandas resample"]
    speed = base["seconds"] / ours["seconds"]
    vs_pd = pdx["seconds"] / ours["seconds"]
    mem_pd = ours["rss"] / pdx["rss"]
    checks = [
        (f"ours rows/s / polars read_csv rows/s = {speed:.2f} (target >= 0.8)", speed >= 0.8),
        (f"ours peak RSS = {ours['rss'] / 2**20:.0f} MiB (target < 1024)", ours["rss"] < GIB),
        (f"ours vs pandas speed = {vs_pd:.1f}x (target > 1)", vs_pd > 1),
        (f"ours / pandas peak RSS = {mem_pd:.2f} (target <= 0.25 at {PANDAS_MEMORY_AT:,} trades)",
         mem_pd <= 0.25 or rows < PANDAS_MEMORY_AT),
        (f"candles equal pandas' (1h, 1d): {same}", same),
    ]
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return checks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000000,50000000")
    ap.add_argument("--quick", action="store_true", help="1M and 5M trades, for smoke runs")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--child", nargs=3, metavar=("MODE", "CSV", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, csv, out = args.child[0], Path(args.child[1]), Path(args.child[2])
        return child(MODES[mode], IMPORTS[mode], csv, out, warmup=(sample(csv, out), out))
    sizes = [1_000_000, 5_000_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rss_by_size = []
    with tempfile.TemporaryDirectory(prefix="rebuild-bench-") as tmp:
        for rows in sizes:
            csv, out = Path(tmp) / f"trades_{rows}.csv", Path(tmp) / f"out_{rows}"
            out.mkdir()
            t = time.perf_counter()
            generate(csv, rows)
            print(
                f"generated {rows:,} trades, {csv.stat().st_size / 2**20:,.0f} MiB, {time.perf_counter() - t:.1f}s"
            )
            res = measure(csv, out, args.repeat)
            report(rows, res, same_candles(out))
            rss_by_size.append(res["ours"]["rss"])
            csv.unlink()
            shutil.rmtree(out)
    if len(rss_by_size) > 1:
        flat = max(rss_by_size) <= 1.25 * min(rss_by_size)
        mib = ", ".join(f"{r / 2**20:.0f}" for r in rss_by_size)
        note = " (--quick sizes are below polars' steady state)" if args.quick else ""
        print(
            f"\n  {'PASS' if flat else 'FAIL'}  ours peak RSS flat across sizes: {mib} MiB (within 25%){note}"
        )


if __name__ == "__main__":
    main()
