"""Kraken's downloadable history files, made from the same tape as the API.

OHLCVT: Kraken_OHLCVT.zip (everything before the cut-off) and
Kraken_OHLCVT_Q<q>_<yyyy>.zip (one quarter), members <ALTNAME>_<minutes>.csv,
no header, rows `unix_s,open,high,low,close,volume,trades` only for intervals
with trades. Trading history: Kraken_Trading_History[_Q<q>_<yyyy>].zip, members
<ALTNAME>.csv with rows `unix_s,price,volume` (integer seconds, so trades of
one second are separate and possibly identical rows).
Rows are produced a few days at a time and written to spool files / straight
into the zip member, so multi-year 1-minute files never sit in memory.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl

from .dumpnames import DumpFile, available, quarter_start, resolve
from .history import CandleStore
from .pairs import Pair
from .plan import DAY_S

__all__ = ["OHLCVT_INTERVALS", "DumpFile", "available", "quarter_start", "resolve", "write_dumps", "write_zip"]

OHLCVT_INTERVALS = (1, 5, 15, 30, 60, 240, 720, 1440)
NS = 1_000_000_000
_BATCH_DAYS = 16


def _fixed(values: np.ndarray, decimals: int) -> pl.Expr:
    """Strings with exactly `decimals` decimals, built from integers (vectorised)."""
    scaled = np.rint(values * 10.0**decimals).astype(np.int64)
    whole, frac = pl.lit(scaled // 10**decimals), pl.lit(scaled % 10**decimals)
    return pl.concat_str([whole.cast(pl.String), pl.lit("."), frac.cast(pl.String).str.zfill(decimals)])


def _ohlcvt_chunk(store: CandleStore, pair: Pair, interval: int, d0: int, d1: int, lo: int, hi: int) -> bytes:
    """CSV rows of epoch days [d0, d1), kept to lo <= time < hi. Numbers in the dump's
    shortest form (122.0, 3.00001), volumes cut to 10 decimals (878.7210763099)."""
    if interval == 1440:
        c = store.summaries(pair, d0, d1)
    else:
        c = store.candles(pair, interval, d0 * DAY_S, d1 * DAY_S)
    c = c.select(lo, hi)
    if not c.n:
        return b""
    df = pl.DataFrame({"t": c.time_s, "o": c.open, "h": c.high, "l": c.low, "c": c.close,
                       "v": np.round(c.volume_f, 10), "n": c.count})
    return df.write_csv(include_header=False).encode()


def _write_ohlcvt(zf: zipfile.ZipFile, store: CandleStore, pair: Pair, intervals: tuple[int, ...],
                  lo: int, hi: int) -> None:
    """One sweep over the days fills a spool file per interval (each day is generated
    once, not once per interval); the spools then become the zip members in order."""
    spools = {iv: tempfile.TemporaryFile() for iv in intervals}
    try:
        last_day = (hi - 1) // DAY_S + 1
        for d0 in range(lo // DAY_S, last_day, _BATCH_DAYS):
            d1 = min(d0 + _BATCH_DAYS, last_day)
            for iv in intervals:
                spools[iv].write(_ohlcvt_chunk(store, pair, iv, d0, d1, lo, hi))
        for iv in intervals:
            spools[iv].seek(0)
            with zf.open(f"{pair.altname}_{iv}.csv", "w", force_zip64=True) as member:
                shutil.copyfileobj(spools[iv], member, 1 << 20)
    finally:
        for f in spools.values():
            f.close()


def _write_trades(zf: zipfile.ZipFile, store: CandleStore, pair: Pair, lo: int, hi: int) -> None:
    d = pair.trade_price_decimals
    with zf.open(f"{pair.altname}.csv", "w", force_zip64=True) as member:
        for _, day in store.tape.days(pair, lo * NS, hi * NS):
            if len(day):
                df = pl.select(t=pl.lit(day.ts_ns // NS), p=_fixed(day.price, d), v=_fixed(day.volume, 8))
                member.write(df.write_csv(include_header=False).encode())


def write_zip(out: IO[bytes], store: CandleStore, dump: DumpFile, pairs: list[Pair],
              intervals: tuple[int, ...] = OHLCVT_INTERVALS, start_s: int | None = None,
              end_s: int | None = None) -> None:
    """Write `dump` as a zip to `out`; start_s/end_s narrow its time range
    (end_s is rounded down to a day so no candle is cut short)."""
    lo = max(dump.start_s, start_s or 0)
    hi = min(dump.end_s, end_s // DAY_S * DAY_S if end_s is not None else dump.end_s)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for pair in pairs:
            first = max(lo, pair.listed_s)
            if first >= hi:
                continue
            if dump.kind == "trades":
                _write_trades(zf, store, pair, first, hi)
            else:
                _write_ohlcvt(zf, store, pair, intervals, first, hi)


def write_dumps(folder: str | Path, sim, names: tuple[str, ...] = ("Kraken_OHLCVT.zip",),
                pairs: list[str] | None = None, intervals: tuple[int, ...] = OHLCVT_INTERVALS,
                start: str | float | None = None, end: str | float | None = None) -> list[Path]:
    """Write the named dump files of simulator `sim` into `folder`; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        dump = resolve(name, sim.dump_cutoff_s)
        if dump is None:
            raise ValueError(f"no dump file {name!r} before the cut-off")
        path = folder / name
        with path.open("wb") as out:
            write_zip(out, sim.store, dump, sim.select_pairs(pairs), intervals,
                      sim.parse_time(start), sim.parse_time(end))
        written.append(path)
    return written
