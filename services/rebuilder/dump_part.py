"""The trading-history dump's part of a rebuild: which cached dump files cover the start of the range,
chained file after file, and where the last of them ends, which is exactly where Kraken's Trades API
takes over (its cursor starts one nanosecond before that instant)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from shared.messages import JobCommand
from shared.timeframes import from_ms, to_ms

_QUARTER = re.compile(r"_Q([1-4])_(\d{4})\.zip$", re.IGNORECASE)
_FILES = ("SELECT f.name, f.artifact, m.member, m.first_ts, m.last_ts FROM dump_files f"
          " JOIN dump_members m USING (kind, name) JOIN markets k ON k.altname = m.altname"
          " WHERE f.kind = 'trades' AND m.minutes IS NULL AND m.rows > 0 AND k.exchange = $1 AND k.symbol = $2")


@dataclass(frozen=True)
class DumpStretch:
    name: str
    artifact: str
    member: str
    start_ms: int
    end_ms: int  # the dump holds every trade before this instant (from start_ms on)


def next_quarter_ms(ts_ms: int) -> int:
    d = from_ms(ts_ms)
    month = 3 * ((d.month - 1) // 3) + 4
    return to_ms(datetime(d.year + (month > 12), (month - 1) % 12 + 1, 1, tzinfo=UTC))


def coverage(name: str, first_ms: int, last_ms: int) -> tuple[int, int]:
    """A quarterly file holds its quarter; the full file everything up to its cut-off, the quarter
    boundary after its last trade (Kraken cuts the full file at the end of a quarter)."""
    del first_ms  # the full file starts at the listing, whenever its first trade was
    match = _QUARTER.search(name)
    if match:
        quarter, year = int(match.group(1)), int(match.group(2))
        start = to_ms(datetime(year, 3 * quarter - 2, 1, tzinfo=UTC))
        return start, next_quarter_ms(start)
    return 0, next_quarter_ms(last_ms)  # from the pair's listing: nothing before it is missing


def chain(files: list[tuple[str, str, str, int, int]], start_ms: int, end_ms: int) -> list[DumpStretch]:
    """Stretches from start_ms on, each from the file reaching furthest, until no file goes on."""
    spans = [(name, artifact, member, *coverage(name, first, last)) for name, artifact, member, first, last in files]
    out, cursor = [], start_ms
    while cursor < end_ms:
        reaching = [s for s in spans if s[3] <= cursor < s[4]]
        if not reaching:
            break
        name, artifact, member, _, hi = max(reaching, key=lambda s: s[4])
        out.append(DumpStretch(name, artifact, member, cursor, min(hi, end_ms)))
        cursor = hi
    return out


async def dump_stretches(pool: asyncpg.Pool, cmd: JobCommand) -> list[DumpStretch]:
    rows = await pool.fetch(_FILES, cmd.exchange, cmd.symbol)
    files = [(r["name"], r["artifact"], r["member"], to_ms(r["first_ts"]), to_ms(r["last_ts"])) for r in rows]
    return chain(files, cmd.start_ms, cmd.end_ms)
