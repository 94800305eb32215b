"""Which of Kraken's OHLC counts a plan asks for: only the intervals that reach the range, none that are
kept and final, and an open bucket again only once its answer is older than TRADE_COUNT_MAX_AGE_S."""

from __future__ import annotations

from shared.kraken.answers import OhlcWindow
from shared.planning.count_cache import trade_counts
from shared.platform.settings import Settings

H = 3_600_000
D = 24 * H
NOW = 20_000 * D + 10 * H + 30 * 60_000


class Kept:
    """trade_count_windows as a dict: what the cache reads and writes."""

    def __init__(self) -> None:
        self.rows: dict[int, dict] = {}

    async def fetch(self, sql: str, *args) -> list[dict]:
        return list(self.rows.values())

    async def execute(self, sql: str, exchange, symbol, minutes, first, counts, forming, as_of, listing) -> None:
        self.rows[minutes] = {"interval_min": minutes, "first_ts": first, "counts": counts, "forming_count": forming,
                              "as_of_ts": as_of, "reaches_listing": listing}


class Kraken:
    """Answers OHLC with 720 rows of 10 trades each, the last still open, at its clock."""

    def __init__(self) -> None:
        self.now_ms, self.asked, self.clock_reads = NOW, [], 0

    async def server_time_ms(self) -> int:
        self.clock_reads += 1
        return self.now_ms

    async def ohlc(self, market_id: str, minutes: int) -> OhlcWindow:
        self.asked.append(minutes)
        step = minutes * 60
        current = self.now_ms // 1000 // step * step
        rows = [[t, "1", "1", "1", "1", "1", "1", 10] for t in range(current - 719 * step, current + 1, step)]
        return OhlcWindow.parse({"XXBTZUSD": rows, "last": current - step}, minutes)


async def counts(kept: Kept, kraken: Kraken, lo: int, hi: int):
    return await trade_counts(kept, kraken, Settings(trade_count_max_age_s=300), "kraken", "BTC/USD", "XXBTZUSD",
                              lo, hi)


async def test_only_the_intervals_that_reach_the_range_are_asked_and_kept_ones_not_again():
    kept, kraken = Kept(), Kraken()
    got, calls = await counts(kept, kraken, NOW - 5 * D, NOW - 2 * H)
    assert kraken.asked == [60] and calls == 1 and got.trades(NOW - 5 * D, NOW - 2 * H) == 10 * (5 * 24 - 2)
    got, calls = await counts(kept, kraken, NOW - 400 * D, NOW - 2 * H)
    assert kraken.asked == [60, 1440] and calls == 1  # the 1h counts are kept; 1d reaches further back
    again, calls = await counts(kept, kraken, NOW - 400 * D, NOW - 2 * H)
    assert calls == 0 and kraken.asked == [60, 1440] and kraken.clock_reads == 2  # nor the clock, now
    assert again.trades(NOW - 400 * D, NOW - 2 * H) == got.trades(NOW - 400 * D, NOW - 2 * H)


async def test_the_open_bucket_is_asked_again_once_its_answer_is_stale():
    kept, kraken = Kept(), Kraken()
    await counts(kept, kraken, NOW - 5 * D, NOW)
    kraken.now_ms = NOW + 200_000  # younger than the limit: the open hour's rate so far stands
    _, calls = await counts(kept, kraken, NOW - 5 * D, NOW + 200_000)
    assert calls == 0
    kraken.now_ms = NOW + 400_000
    _, calls = await counts(kept, kraken, NOW - 5 * D, NOW + 400_000)
    assert calls == 1 and kraken.asked == [60, 60]
    kraken.now_ms = NOW + 10 * D  # however old, committed buckets are final: a range before them asks nothing
    _, calls = await counts(kept, kraken, NOW - 5 * D, NOW - H)
    assert calls == 0
