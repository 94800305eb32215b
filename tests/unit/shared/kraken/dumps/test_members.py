"""The one query for a market's cached OHLCVT members: by the dump's interval of the timeframe, each
vouching from its first row's open to its last row's close."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.kraken.dumps.members import OhlcvtMember, ohlcvt_members

H = 3_600_000


class Pool:
    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.asked = rows, []

    async def fetch(self, sql: str, *args):
        self.asked.append(args)
        return self.rows


async def test_members_are_asked_by_the_dumps_minutes_and_end_at_the_last_close():
    pool = Pool([{"name": "Kraken_OHLCVT_Q1_2024.zip", "artifact": "raw/kraken/ohlcvt/Kraken_OHLCVT_Q1_2024.zip",
                  "member": "XBTUSD_60.csv", "first_ts": datetime(2024, 1, 1, tzinfo=UTC),
                  "last_ts": datetime(2024, 3, 31, 23, tzinfo=UTC)}])
    members = await ohlcvt_members(pool, "kraken", "BTC/USD", "1h")
    assert pool.asked == [("kraken", "BTC/USD", 60)]
    assert members == [OhlcvtMember("Kraken_OHLCVT_Q1_2024.zip", "raw/kraken/ohlcvt/Kraken_OHLCVT_Q1_2024.zip",
                                    "XBTUSD_60.csv", 1_704_067_200_000, 1_711_929_600_000)]
    assert members[0].end_ms - 1_711_926_000_000 == H


async def test_weekly_timeframes_have_no_dump_file_and_ask_nothing():
    pool = Pool([])
    assert await ohlcvt_members(pool, "kraken", "BTC/USD", "1w") == []
    assert await ohlcvt_members(pool, "kraken", "BTC/USD", "2w") == []
    assert pool.asked == []
