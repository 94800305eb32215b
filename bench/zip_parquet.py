"""OHLCVT dump member to Parquet: our streaming staging (the path every dump seeding takes) against a
bare pyarrow CSV-to-Parquet conversion of the same member, on a 1m member made by the simulator.

    python -m bench.zip_parquet [--rows 5000000] [--quick] [--repeat 3]

Each measurement runs in its own subprocess and reports its own peak RSS; the best of --repeat runs
is kept, since other load on a 2-core machine only ever slows a run down.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from bench.measure import child, run_child

GIB = 1 << 30
MEMBER = "XBTUSD_1.csv"
ROWS_PER_DAY = 800  # the busy bench pair trades in roughly this many minutes a day


def run_pyarrow(zip_path: Path, out: Path) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    with zipfile.ZipFile(zip_path) as zf, zf.open(MEMBER) as member:
        table = pacsv.read_csv(member, read_options=pacsv.ReadOptions(autogenerate_column_names=True))
    pq.write_table(table, out / "bare.parquet", compression="zstd")
    return table.num_rows


def run_ours(zip_path: Path, out: Path) -> int:
    from services.fetcher.ohlcvt_stage import stage_member

    return sum(s.rows for s in stage_member(zip_path, MEMBER, None, None, out))


MODES = {"pyarrow csv->parquet": run_pyarrow, "ours (stage_member)": run_ours}
IMPORTS = {"pyarrow csv->parquet": ["pyarrow.csv", "pyarrow.parquet"], "ours (stage_member)": ["services.fetcher.ohlcvt_stage"]}


def generate(folder: Path, rows: int) -> Path:
    """A Kraken OHLCVT ZIP whose 1m member has `rows` rows, from a simulated pair busy enough (and
    listed early enough) to fill them, trimmed to exactly `rows`."""
    from tests.kraken_sim import PAIRS, Catalogue, Simulator

    busy = dataclasses.replace(PAIRS[0], trades_per_day=12000, listed_s=946_684_800)  # 2000-01-01
    sim = Simulator(seed=3, now="2026-11-20T12:00:00Z", catalogue=Catalogue((busy,)))
    days = rows // ROWS_PER_DAY + 30
    end_s = 1_790_000_000 // 86400 * 86400
    raw = folder / "raw"
    (written,) = sim.write_dumps(raw, names=("Kraken_OHLCVT.zip",), pairs=["BTC/USD"], intervals=(1,),
                                 start=float(end_s - days * 86400), end=float(end_s))
    target = folder / "Kraken_OHLCVT.zip"
    with zipfile.ZipFile(written) as src, src.open(MEMBER) as lines, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as dst, \
            dst.open(MEMBER, "w", force_zip64=True) as member:
        for n, line in enumerate(lines):
            if n == rows:
                break
            member.write(line)
    shutil.rmtree(raw)
    return target


def measure(zip_path: Path, out: Path, repeat: int) -> dict[str, dict]:
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for _ in range(repeat):
        for mode in MODES:  # alternating, so a burst of other load hits both alike
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            runs[mode].append(run_child("bench.zip_parquet", mode, zip_path, out))
    return {mode: min(rs, key=lambda r: r["seconds"]) | {"rss": max(r["rss"] for r in rs)} for mode, rs in runs.items()}


def report(res: dict[str, dict]) -> list[tuple[str, bool]]:
    print(f"  {'':22}{'rows':>11}{'seconds':>9}{'Mrows/s':>9}{'peak RSS MiB':>14}")
    for mode, r in res.items():
        print(f"  {mode:22}{r['rows']:>11,}{r['seconds']:9.2f}{r['rows'] / r['seconds'] / 1e6:9.2f}"
              f"{r['rss'] / 2**20:14.0f}")
    base, ours = res["pyarrow csv->parquet"], res["ours (stage_member)"]
    ratio = (ours["rows"] / ours["seconds"]) / (base["rows"] / base["seconds"])
    checks = [
        (f"same rows: {ours['rows']:,} and {base['rows']:,}", ours["rows"] == base["rows"]),
        (f"ours rows/s / pyarrow rows/s = {ratio:.2f} (target >= 0.7)", ratio >= 0.7),
        (f"ours peak RSS = {ours['rss'] / 2**20:.0f} MiB (target < 1024)", ours["rss"] < GIB),
    ]
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return checks


def main(argv: list[str] | None = None) -> list[tuple[str, bool]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--quick", action="store_true", help="500k rows, for smoke runs")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=3, metavar=("MODE", "ZIP", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode = args.child[0]
        child(MODES[mode], IMPORTS[mode], Path(args.child[1]), Path(args.child[2]))
        return []
    rows = 500_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory(prefix="zip-bench-") as tmp:
        started = time.perf_counter()
        zip_path = generate(Path(tmp), rows)
        print(f"generated a {rows:,}-row 1m member, {zip_path.stat().st_size / 2**20:,.0f} MiB zipped,"
              f" {time.perf_counter() - started:.0f} s")
        return report(measure(zip_path, Path(tmp) / "out", args.repeat))


if __name__ == "__main__":
    main()
