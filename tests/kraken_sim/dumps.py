"""Kraken's downloadable history files, made from the same tape as the API.

OHLCVT: Kraken_OHLCVT.zip (everything before the cut-off) and
Kraken_OHLCVT_Q<q>_<yyyy>.zip (one quarter), members <ALTNAME>_<minutes>.csv,
no header, rows `unix_s,open,high,low,close,volume,trades` only for intervals
with trades. Trading history: Kraken_Trading_History[_Q<q>_<yyyy>].zip, members
<ALTNAME>.csv with rows `unix_s,price,volume` (integer seconds, so trades of
one second are separate and possibly identical rows).
Rows are produced a few days at a time and written straight into the zip
member, so multi-year 1-minute files never sit in memory.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from .history import CandleStore
from .kfmt import dump_number
from .pairs import Pair
from .plan import DAY_S

OHLCVT_INTERVALS = (1, 5, 15, 30, 60, 240, 720, 1440)
NS = 1_000_000_000
_NAME = re.compile(r"^Kraken_(OHLCVT|Trading_History)(?:_Q([1-4])_(\d{4}))?\.zip$")
_BATCH_DAYS = 16


@dataclass(frozen=True)
class DumpFile:
    name: str
    kind: str        # "ohlcvt" or "trades"
    start_s: int     # rows at or after this time (0: from each pair's listing)
    end_s: int       # rows before this time (the cut-off, or the quarter's end)


def quarter_start(ts_s: float) -> int:
    d = datetime.fromtimestamp(ts_s, UTC)
    return int(datetime(d.year, 3 * ((d.month - 1) // 3) + 1, 1, tzinfo=UTC).timestamp())


def _quarter(q: int, year: int) -> tuple[int, int]:
    start = datetime(year, 3 * q - 2, 1, tzinfo=UTC)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=UTC)
    return int(start.timestamp()), int(end.timestamp())


def resolve(name: str, cutoff_s: int) -> DumpFile | None:
    """The file behind `name`, None if no such file was published by the cut-off."""
    m = _NAME.match(name)
    if not m:
        return None
    kind = "ohlcvt" if m.group(1) == "OHLCVT" else "trades"
    if m.group(2) is None:
        return DumpFile(name, kind, 0, cutoff_s)
    start, end = _quarter(int(m.group(2)), int(m.group(3)))
    return DumpFile(name, kind, start, end) if end <= cutoff_s else None


def available(cutoff_s: int, first_listing_s: int) -> list[str]:
    names = ["Kraken_OHLCVT.zip", "Kraken_Trading_History.zip"]
    t = quarter_start(first_listing_s)
    while True:
        d = datetime.fromtimestamp(t, UTC)
        q = (d.month - 1) // 3 + 1
        start, end = _quarter(q, d.year)
        if end > cutoff_s:
            return names
        names += [f"Kraken_OHLCVT_Q{q}_{d.year}.zip", f"Kraken_Trading_History_Q{q}_{d.year}.zip"]
        t = end


def _ohlcvt_lines(store: CandleStore, pair: Pair, interval: int, lo: int, hi: int) -> Iterator[str]:
    d = pair.pair_decimals
    for d0 in range(lo // DAY_S, (hi - 1) // DAY_S + 1, _BATCH_DAYS):
        d1 = min(d0 + _BATCH_DAYS, (hi - 1) // DAY_S + 1)
        if interval == 1440:
            c = store.summaries(pair, d0, d1)
        else:
            c = store.candles(pair, interval, d0 * DAY_S, d1 * DAY_S)
        c = c.select(lo, hi)
        yield "".join(
            f"{t},{dump_number(o, d)},{dump_number(h, d)},{dump_number(low, d)},{dump_number(cl, d)},"
            f"{dump_number(v, 10)},{n}\n"
            for t, o, h, low, cl, v, n in zip(c.time_s.tolist(), c.open.tolist(), c.high.tolist(),
                                              c.low.tolist(), c.close.tolist(), c.volume_f.tolist(),
                                              c.count.tolist(), strict=True))


def _trade_lines(store: CandleStore, pair: Pair, lo: int, hi: int) -> Iterator[str]:
    d = pair.trade_price_decimals
    for _, day in store.tape.days(pair, lo * NS, hi * NS):
        yield "".join(f"{ns // NS},{p:.{d}f},{v:.8f}\n" for ns, p, v in zip(
            day.ts_ns.tolist(), day.price.tolist(), day.volume.tolist(), strict=True))


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
            members = [(f"{pair.altname}.csv", None)] if dump.kind == "trades" else \
                [(f"{pair.altname}_{iv}.csv", iv) for iv in intervals]
            for member, iv in members:
                lines = _trade_lines(store, pair, first, hi) if iv is None else \
                    _ohlcvt_lines(store, pair, iv, first, hi)
                with zf.open(member, "w", force_zip64=True) as f:
                    for chunk in lines:
                        f.write(chunk.encode())


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
