"""The cached OHLCVT dump members of one market and timeframe, from the dump manifest's tables."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from shared.kraken.constants import DUMP_INTERVAL
from shared.lake.timeframes import millis, to_ms

_MEMBERS = ("SELECT f.name, f.artifact, m.member, m.first_ts, m.last_ts FROM dump_members m"
            " JOIN dump_files f USING (kind, name) JOIN markets k ON k.altname = m.altname"
            " WHERE m.kind = 'ohlcvt' AND k.exchange = $1 AND k.symbol = $2 AND m.minutes = $3 AND m.rows > 0"
            " ORDER BY m.last_ts, m.name")


@dataclass(frozen=True)
class OhlcvtMember:
    name: str      # the dump file, e.g. Kraken_OHLCVT_Q1_2024.zip
    artifact: str  # its key in the object store
    member: str    # e.g. XBTUSD_1.csv
    start_ms: int  # first row's open time
    end_ms: int    # last row's open time + step: the member vouches for [start, end)


async def ohlcvt_members(pool: asyncpg.Pool, exchange: str, symbol: str,
                         timeframe: str) -> list[OhlcvtMember]:
    """Members holding rows of the market in the timeframe's interval, the one ending first first; none
    for a timeframe the dump has no files of (1w, 2w)."""
    minutes = DUMP_INTERVAL.get(timeframe)
    if minutes is None:
        return []
    step = millis(timeframe)
    rows = await pool.fetch(_MEMBERS, exchange, symbol, minutes)
    return [OhlcvtMember(r["name"], r["artifact"], r["member"], to_ms(r["first_ts"]),
                         to_ms(r["last_ts"]) + step) for r in rows]
