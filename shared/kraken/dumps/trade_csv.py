"""KRAKEN_TRADES_SOURCE pointing at plain trading-history CSVs (`<ALTNAME>.csv`, as they come out of
Kraken's ZIP): one file, or a folder holding them directly or one folder down (one per unpacked ZIP).
They are read where they lie; only ZIPs are copied into the object store.

A plain CSV does not say where it was cut, so it vouches only for the seconds strictly between its
first and last rows: the rows of those two seconds may be cut short, and the Trades API gives them
whole. A CSV in a folder named like a quarterly file (Kraken_Trading_History_Q1_2024/XBTUSD.csv) holds
that quarter, as the ZIP it came from does."""

from __future__ import annotations

import os
from pathlib import Path

from shared.kraken.dumps.csv_rows import has_header
from shared.kraken.dumps.trade_stretches import DumpStretch, chain_spans, quarter_of

TAIL_BYTES = 4096


def _path(source: str | None) -> Path | None:
    if not source or source.startswith(("http://", "https://")):
        return None
    path = Path(source.removeprefix("file://")).expanduser()
    return path if path.exists() else None


def is_csv_source(source: str | None) -> bool:
    """A CSV file, or a folder with CSVs and no ZIP (ZIPs go through the dump cache)."""
    path = _path(source)
    if path is None:
        return False
    if path.is_file():
        return path.suffix.lower() == ".csv"
    return not any(p.suffix.lower() == ".zip" for p in path.iterdir()) and bool(_candidates(path))


def _candidates(folder: Path) -> list[Path]:
    return sorted(p for p in [*folder.glob("*.csv"), *folder.glob("*/*.csv")] if p.is_file())


def csv_files(source: str, altname: str) -> list[Path]:
    path = _path(source)
    if path is None:
        return []
    found = [path] if path.is_file() else _candidates(path)
    return [p for p in found if p.stem.upper() == altname.upper()]


def extent_s(path: Path) -> tuple[int, int] | None:
    """The unix seconds of the first and last rows, from a line at each end of the file."""
    with open(path, "rb") as f:
        first = f.readline()
        if has_header(first):
            first = f.readline()
        if not first.strip():
            return None
        f.seek(max(0, os.fstat(f.fileno()).st_size - TAIL_BYTES))
        last = [line for line in f.read().splitlines() if line.strip()][-1]
    return int(float(first.split(b",", 1)[0])), int(float(last.split(b",", 1)[0]))


def csv_stretches(source: str, altname: str, start_ms: int, end_ms: int, skip_gaps: bool = False) -> list[DumpStretch]:
    spans = []
    for path in csv_files(source, altname):
        extent = extent_s(path)
        if extent is None:
            continue
        lo, hi = quarter_of(path.parent.name) or ((extent[0] + 1) * 1000, extent[1] * 1000)
        spans.append((f"{path.parent.name}/{path.name}", str(path), None, lo, hi))
    return chain_spans(spans, start_ms, end_ms, skip_gaps=skip_gaps)
