"""The cost of a rebuild counts only the part the Trades API must fetch: the trading-history dump's part
is read locally and costs no call."""

from __future__ import annotations

from shared.kraken.answers import Market, TradesPage
from shared.lake.timeframes import iso
from shared.planning.cost import api_part, estimate_plan_trades, estimate_rebuild, sample_points
from shared.planning.planner import Segment
from shared.platform.settings import Settings

H = 3_600_000


class PagesOfKraken:
    """Answers Trades with a steady 1,000 trades an hour from `since` on, and remembers each `since`."""

    def __init__(self) -> None:
        self.since: list[int] = []

    async def trades(self, market_id: str, since: str, count: int = 1000) -> TradesPage:
        since_ms = (int(since) + 1) // 1_000_000
        self.since.append(since_ms)
        rows = [["1.0", "1.0", (since_ms + i * 3600) / 1000, "b", "l", "", i] for i in range(count)]
        return TradesPage.parse({market_id: rows, "last": str((since_ms + count * 3600) * 1_000_000)})


def test_the_dump_part_costs_nothing_and_moves_where_the_api_starts():
    assert api_part(0, 10 * H, None) == (0, None)
    assert api_part(5 * H, 10 * H, 2 * H) == (5 * H, None)  # the dump ends before the range
    start, part = api_part(0, 10 * H, 4 * H)
    assert start == 4 * H and part == {"start_timestamp": iso(0), "end_timestamp": iso(4 * H), "calls": 0}
    assert api_part(0, 10 * H, 20 * H)[0] == 10 * H  # the dump holds it all: nothing for the API


def test_one_page_near_each_end_and_none_for_an_empty_range():
    assert sample_points(0, 20 * H) == [0, 19 * H]
    assert sample_points(0, 30_000) == [0]  # shorter than a minute: the end sample would be the start
    assert sample_points(5, 5) == []


async def test_the_estimate_samples_only_after_the_dump_end():
    kraken = PagesOfKraken()
    got = await estimate_rebuild(kraken, "XXBTZUSD", 0, 100 * H, rate_limit_s=1.2, dump_end_ms=60 * H)
    assert kraken.since == [60 * H, 98 * H] and got["sampled_calls"] == 2
    assert got["trades"] == round(1000 / (999 * 3600) * 40 * H) and got["calls"] == 42  # ceil(40.04) + 1
    assert got["dump_part"]["end_timestamp"] == iso(60 * H) and got["start_timestamp"] == iso(60 * H)
    whole = await estimate_rebuild(kraken, "XXBTZUSD", 0, 50 * H, rate_limit_s=1.2, dump_end_ms=60 * H)
    assert (whole["calls"], whole["sampled_calls"], len(kraken.since)) == (0, 0, 2)


class NoDumps:
    async def fetch(self, sql: str, *args) -> list:
        return []


class MarketOfKraken(PagesOfKraken):
    async def market(self, symbol: str) -> Market:
        return Market(symbol, "XXBTZUSD", "XBTUSD", "XBT/USD", "BTC", "USD", True, True)


def _segment(kind: str, start_ms: int, end_ms: int) -> Segment:
    return Segment(kind, start_ms, end_ms, start_ms, end_ms)


async def test_a_plans_child_rebuilds_are_sampled_once_over_their_stretch_and_each_adds_its_last_call():
    settings = Settings(kraken_rate_limit_ms=1200)
    kraken = MarketOfKraken()
    plan = [_segment("trades", 0, 40 * H), _segment("zip", 40 * H, 60 * H), _segment("trades", 60 * H, 100 * H)]
    got = await estimate_plan_trades(NoDumps(), kraken, settings, "kraken", "BTC/USD", plan)
    alone = await estimate_rebuild(MarketOfKraken(), "XXBTZUSD", 0, 100 * H, rate_limit_s=1.2)
    assert kraken.since == [0, 95 * H] and got["calls"] == alone["calls"] + 1
    assert got["trades"] == alone["trades"] and got["density_per_hour"] == alone["density_per_hour"]
    nothing = MarketOfKraken()
    assert await estimate_plan_trades(NoDumps(), nothing, settings, "kraken", "BTC/USD", plan[1:2]) is None
    assert nothing.since == []
