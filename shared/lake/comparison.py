"""Pure comparison of two sets of candles for the same market and timeframe: how many overlapping
candles agree, which differ, and by how much. Used at seams between sources and wherever a rebuilt
candle meets one of Kraken's own."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from shared.lake.timeframes import iso

FIELDS = ("open", "high", "low", "close", "volume", "vwap", "trades")
# Prices and volumes come as decimal text from Kraken; sums of floats may differ in the last bits.
REL_TOL = 1e-9
MAX_LISTED = 20
ONE_SIDED = ("only_rebuilt", "only_kraken")


def _rel(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    scale = pl.max_horizontal(a.abs(), b.abs())
    return pl.when(scale == 0).then(0.0).otherwise((a - b).abs() / scale)


def _decimals(x: pl.Expr) -> pl.Expr:
    text = x.cast(pl.String)
    return pl.when(text.str.contains("e")).then(12).otherwise(
        text.str.split(".").list.get(1, null_on_oob=True).str.len_chars().fill_null(0))


def _vwap_rel(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Kraken prints vwap rounded to the pair's decimals, a rebuild has it exact: within half a unit of
    the coarser side's last printed decimal, they agree (relative 0 then)."""
    unit = pl.lit(10.0).pow(-pl.min_horizontal(_decimals(a), _decimals(b)).cast(pl.Float64)) * 0.5
    return pl.when((a - b).abs() <= unit * (1 + 1e-9)).then(0.0).otherwise(_rel(a, b))


def compare_candles(ours: pa.Table, theirs: pa.Table, rel_tol: float = REL_TOL) -> dict:
    """Compares every candle whose ts is in both tables. vwap and trades count only where both
    sides know them (the OHLCVT dump has no vwap)."""
    left = pl.from_arrow(ours).select(["ts", *FIELDS])
    right = pl.from_arrow(theirs).select(["ts", *FIELDS])
    joined = left.join(right, on="ts", how="inner", suffix="_theirs")
    diffs = [
        (_vwap_rel if f == "vwap" else _rel)(pl.col(f).cast(pl.Float64), pl.col(f"{f}_theirs").cast(pl.Float64))
        .fill_null(0.0).alias(f"{f}_rel")
        for f in FIELDS
    ]
    joined = joined.with_columns(diffs).with_columns(
        pl.max_horizontal([f"{f}_rel" for f in FIELDS]).alias("max_rel")
    )
    bad = joined.filter(pl.col("max_rel") > rel_tol).sort("ts")
    listed = []
    for row in bad.head(MAX_LISTED).iter_rows(named=True):
        fields = {f: {"ours": row[f], "theirs": row[f"{f}_theirs"], "rel_diff": row[f"{f}_rel"]}
                  for f in FIELDS if row[f"{f}_rel"] > rel_tol}
        listed.append({"ts": iso(row["ts"]), "fields": fields})
    return {
        "compared": joined.height,
        "matched": joined.height - bad.height,
        "differing": bad.height,
        "max_rel_diff": float(joined.get_column("max_rel").max() or 0.0) if joined.height else 0.0,
        "differences": listed,
    }


def add_comparisons(total: dict | None, more: dict) -> dict:
    """Sums two comparison reports (e.g. over the batches of one job), keeping the first differences."""
    if not total:
        return dict(more)
    return {
        "compared": total["compared"] + more["compared"],
        "matched": total["matched"] + more["matched"],
        "differing": total["differing"] + more["differing"],
        "max_rel_diff": max(total["max_rel_diff"], more["max_rel_diff"]),
        "differences": (total["differences"] + more["differences"])[:MAX_LISTED],
        # Candles found on one side only, where a report counts them (a rebuild held against Kraken's).
        **{k: total.get(k, 0) + more.get(k, 0) for k in ONE_SIDED if k in total or k in more},
    }
