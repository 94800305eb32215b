"""Validation of stored candles, pure: the lake's rows of one (exchange, symbol, timeframe) over a range,
held against the lake's own rules (README, "The lake") and against the coverage ledger that vouches for them.

Every check counts the candles that fail it, and the first failures are listed with their reason. The
spans of the range the ledger does not hold are reported as `missing` (a provisional candle is stored: it
is not missing): an incomplete range is not an invalid one, so they do not fail the validation."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from shared.lake.schema import SOURCES
from shared.lake.timeframes import iso
from shared.ledger.intervals import Interval, gaps

MAX_LISTED = 20
REL_TOL = 1e-9  # a rebuilt vwap is a float quotient: it may sit an ulp outside [low, high]

CHECKS = {
    "order": "one candle per ts, in rising order",
    "alignment": "ts on a bucket boundary of the timeframe (epoch-aligned)",
    "prices": "positive prices with low <= open, close <= high",
    "volume": "volume finite and >= 0, and 0 only in a filled candle (trades = 0)",
    "vwap": "vwap, where known, within [low, high]",
    "trades": "trades, where known, >= 0; 0 only in a flat filled candle",
    "source": "source is one of zip, rest, trades",
    "outside_ledger": "a candle where the ledger holds no data",
    "missing_candle": "a bucket the ledger holds as data has no candle",
}


def _rule_failures(df: pl.DataFrame, step_ms: int) -> pl.DataFrame:
    """One boolean column per row rule, true where the candle breaks it."""
    ts, lo, hi = pl.col("ts"), pl.col("low"), pl.col("high")
    tol = pl.col("high").abs() * REL_TOL
    filled = pl.col("trades").fill_null(1) == 0
    return df.select(
        ts,
        (ts.diff() <= 0).fill_null(False).alias("order"),
        (ts % step_ms != 0).alias("alignment"),
        ((lo <= 0) | (lo > pl.min_horizontal("open", "close")) | (hi < pl.max_horizontal("open", "close"))
         ).fill_null(True).alias("prices"),
        (pl.col("volume").is_nan() | pl.col("volume").is_infinite() | (pl.col("volume") < 0)
         | ((pl.col("volume") == 0) & ~filled)).fill_null(True).alias("volume"),
        ((pl.col("vwap") < lo - tol) | (pl.col("vwap") > hi + tol)).fill_null(False).alias("vwap"),
        ((pl.col("trades") < 0) | (filled & ((pl.col("volume") != 0) | (lo != hi)))).fill_null(False).alias("trades"),
        ~pl.col("source").is_in(list(SOURCES)).fill_null(False).alias("source"),
    )


def _data_runs(ledger: list[Interval], start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    runs = [(max(i.start_ms, start_ms), min(i.end_ms, end_ms)) for i in ledger if i.state == "data"]
    return sorted((lo, hi) for lo, hi in runs if lo < hi)


def _ledger_failures(ts_ms: np.ndarray, runs: list[tuple[int, int]], step_ms: int
                     ) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Candles outside every data run; and per run, how many buckets it has against candles in it."""
    starts = np.array([lo for lo, _ in runs], dtype=np.int64)
    ends = np.array([hi for _, hi in runs], dtype=np.int64)
    at = np.searchsorted(starts, ts_ms, side="right") - 1
    inside = (at >= 0) & (ts_ms < ends[np.clip(at, 0, None)]) if len(runs) else np.zeros(len(ts_ms), bool)
    counts = np.bincount(at[inside], minlength=len(runs)) if len(runs) else np.array([], dtype=np.int64)
    short = [(i, int(-(-(hi - lo) // step_ms) - counts[i])) for i, (lo, hi) in enumerate(runs)]
    return ~inside, [(i, n) for i, n in short if n > 0]


def validate(candles: pa.Table, ledger: list[Interval], step_ms: int, start_ms: int, end_ms: int) -> dict:
    """The report for candles with start_ms <= ts < end_ms (the table may hold more)."""
    start_ms = -(-start_ms // step_ms) * step_ms  # the first bucket opening inside the range
    df = pl.from_arrow(candles).with_columns(pl.col("ts").cast(pl.Int64))
    df = df.filter((pl.col("ts") >= start_ms) & (pl.col("ts") < end_ms))
    rules = _rule_failures(df, step_ms)
    ts_ms = df.get_column("ts").to_numpy()
    runs = _data_runs(ledger, start_ms, end_ms)
    outside, short_runs = _ledger_failures(ts_ms, runs, step_ms)
    counts = {name: int(rules.get_column(name).sum()) for name in rules.columns if name != "ts"}
    counts["outside_ledger"] = int(outside.sum())
    counts["missing_candle"] = sum(n for _, n in short_runs)
    problems = []
    for row in rules.filter(pl.any_horizontal(pl.exclude("ts"))).head(MAX_LISTED).iter_rows(named=True):
        problems += [{"ts": iso(row["ts"]), "check": c, "reason": CHECKS[c]} for c in CHECKS if row.get(c)]
    problems += [{"ts": iso(int(t)), "check": "outside_ledger", "reason": CHECKS["outside_ledger"]}
                 for t in ts_ms[outside][:MAX_LISTED]]
    problems += [{"ts": iso(runs[i][0]), "check": "missing_candle",
                  "reason": f"{n} of the buckets in the data interval {iso(runs[i][0])} to {iso(runs[i][1])}"
                            " have no candle"} for i, n in short_runs[:MAX_LISTED]]
    return {
        "start_timestamp": iso(start_ms), "end_timestamp": iso(end_ms), "rows": df.height,
        "ok": not any(counts.values()), "failed": {k: v for k, v in counts.items() if v},
        "problems": problems[:MAX_LISTED],
        "missing": [{"start_timestamp": iso(lo), "end_timestamp": iso(hi)} for lo, hi in gaps(ledger, start_ms, end_ms, provisional=True)],
    }


def merge_reports(first: dict | None, then: dict) -> dict:
    """The report of two consecutive ranges (one year partition after another) as one."""
    if first is None:
        return then
    failed = {k: first["failed"].get(k, 0) + then["failed"].get(k, 0) for k in CHECKS
              if k in first["failed"] or k in then["failed"]}
    missing = [dict(m) for m in first["missing"]]
    for m in then["missing"]:
        if missing and missing[-1]["end_timestamp"] == m["start_timestamp"]:
            missing[-1]["end_timestamp"] = m["end_timestamp"]  # one span across the new year
        else:
            missing.append(dict(m))
    return {"start_timestamp": first["start_timestamp"], "end_timestamp": then["end_timestamp"],
            "rows": first["rows"] + then["rows"], "ok": first["ok"] and then["ok"], "failed": failed,
            "problems": (first["problems"] + then["problems"])[:MAX_LISTED], "missing": missing}


def summary(timeframe: str, report: dict) -> tuple[str, str]:
    """A job message: (text, level)."""
    span = f"{report['start_timestamp']} to {report['end_timestamp']}"
    gaps = f"; {len(report['missing'])} stretch(es) not stored" if report["missing"] else ""
    if report["ok"]:
        return f"{timeframe}: all {report['rows']:,} stored candles from {span} are valid{gaps}", "info"
    counts = ", ".join(f"{k} {v}" for k, v in report["failed"].items())
    first = report["problems"][0]
    return (f"{timeframe}: validation failed over {span} ({counts}); first at {first['ts']}: {first['reason']}"
            f"{gaps}", "error")
