"""Names and time ranges of Kraken's published history files: the full files
(everything before the cut-off) and one pair of files per complete quarter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_NAME = re.compile(r"^Kraken_(OHLCVT|Trading_History)(?:_Q([1-4])_(\d{4}))?\.zip$")


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
