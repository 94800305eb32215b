"""The trading-history dump's part of a rebuild: which cached dump files cover the start of the range,
chained file after file, and where the last of them ends, which is exactly where Kraken's Trades API
takes over (its cursor starts one nanosecond before that instant).

Where a dump ends is decided carefully, never past what it holds: a quarterly file
(Kraken_Trading_History_Q1_2024.zip) holds its quarter, up to 2024-04-01T00:00Z; the full file is cut by
Kraken at a quarter boundary, so it holds everything up to the first boundary at or after the last
trade of the whole file (of any pair: a quiet pair's last trade can be quarters older than the cut)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from shared.lake.timeframes import from_ms, to_ms

_QUARTER = re.compile(r"_Q([1-4])_(\d{4})(\.zip)?$", re.IGNORECASE)
_FILES = ("SELECT f.name, f.artifact, m.member, m.first_ts,"
          " (SELECT max(a.last_ts) FROM dump_members a WHERE a.kind = f.kind AND a.name = f.name"
          " AND a.minutes IS NULL) AS last_ts"
          " FROM dump_files f JOIN dump_members m USING (kind, name) JOIN markets k ON k.altname = m.altname"
          " WHERE f.kind = 'trades' AND m.minutes IS NULL AND m.rows > 0 AND k.exchange = $1 AND k.symbol = $2")


@dataclass(frozen=True)
class DumpStretch:
    name: str
    artifact: str       # a cached ZIP's key in the object store, or the path of a plain CSV
    member: str | None  # the CSV inside the ZIP; None for a plain CSV
    start_ms: int
    end_ms: int  # the dump holds every trade before this instant (from start_ms on)


def next_quarter_ms(ts_ms: int) -> int:
    d = from_ms(ts_ms)
    month = 3 * ((d.month - 1) // 3) + 4
    return to_ms(datetime(d.year + (month > 12), (month - 1) % 12 + 1, 1, tzinfo=UTC))


def quarter_at_or_after_ms(ts_ms: int) -> int:
    # A trade exactly at a boundary: the file may hold only part of that second, the API has it whole.
    d = from_ms(ts_ms)
    start = to_ms(datetime(d.year, 3 * ((d.month - 1) // 3) + 1, 1, tzinfo=UTC))
    return ts_ms if ts_ms == start else next_quarter_ms(ts_ms)


def quarter_of(name: str) -> tuple[int, int] | None:
    """The quarter a quarterly file's name (or the folder it was unpacked into) says it holds."""
    match = _QUARTER.search(name)
    if not match:
        return None
    start = to_ms(datetime(int(match.group(2)), 3 * int(match.group(1)) - 2, 1, tzinfo=UTC))
    return start, next_quarter_ms(start)


def coverage(name: str, first_ms: int, last_ms: int) -> tuple[int, int]:
    """A quarterly file holds its quarter; the full file everything up to its cut-off, the quarter
    boundary after its last trade (Kraken cuts the full file at the end of a quarter)."""
    del first_ms  # the full file starts at the listing, whenever its first trade was
    return quarter_of(name) or (0, quarter_at_or_after_ms(last_ms))  # nothing before the listing is missing


def chain(files: list[tuple[str, str, str | None, int, int]], start_ms: int, end_ms: int, *,
          skip_gaps: bool = False) -> list[DumpStretch]:
    """Stretches from start_ms on, each from the file reaching furthest, until no file goes on (with
    skip_gaps: on to the next file that starts later in the range)."""
    spans = [(name, artifact, member, *coverage(name, first, last)) for name, artifact, member, first, last in files]
    return chain_spans(spans, start_ms, end_ms, skip_gaps=skip_gaps)


def chain_spans(spans: list[tuple[str, str, str | None, int, int]], start_ms: int, end_ms: int, *,
                skip_gaps: bool = False) -> list[DumpStretch]:
    """Like chain, for files whose coverage [lo, hi) is known already. With skip_gaps, a stretch no file
    covers is stepped over to where the next file starts, instead of ending the chain."""
    out, cursor = [], start_ms
    while cursor < end_ms:
        reaching = [s for s in spans if s[3] <= cursor < s[4]]
        if not reaching:
            later = [s[3] for s in spans if cursor < s[3] < end_ms]
            if not skip_gaps or not later:
                break
            cursor = min(later)
            continue
        name, artifact, member, _, hi = max(reaching, key=lambda s: s[4])
        out.append(DumpStretch(name, artifact, member, cursor, min(hi, end_ms)))
        cursor = hi
    return out


async def dump_stretches(pool: asyncpg.Pool, exchange: str, symbol: str, start_ms: int,
                         end_ms: int, *, skip_gaps: bool = False) -> list[DumpStretch]:
    """The cached trading-history dumps' part of [start_ms, end_ms); its last end is the hand-over."""
    rows = await pool.fetch(_FILES, exchange, symbol)
    files = [(r["name"], r["artifact"], r["member"], to_ms(r["first_ts"]), to_ms(r["last_ts"])) for r in rows]
    return chain(files, start_ms, end_ms, skip_gaps=skip_gaps)
