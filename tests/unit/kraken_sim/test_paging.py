"""Paging Trades with the nanosecond `last` cursor is exact, even through a burst
of more than 1000 trades inside one millisecond."""

from __future__ import annotations

import numpy as np

from tests.kraken_sim import Tape, running_simulator

from .helpers import NS, get_json

START_DAY = 20_089   # 2025-01-01


def find_millisecond_burst(seed: int, pair: str, min_trades: int = 1001) -> int:
    """ns start of the first millisecond holding more than 1000 trades."""
    tape = Tape(seed)
    p = tape.catalogue[pair]
    for d in range(START_DAY, START_DAY + 120):
        ms = tape.day(p, d).ts_ns // 1_000_000
        values, counts = np.unique(ms, return_counts=True)
        if counts.max() >= min_trades:
            return int(values[counts.argmax()]) * 1_000_000
    raise AssertionError("no burst found")


async def page(url: str, pair: str, since: int | str, until_ns: int) -> tuple[list[list], list[int]]:
    """All rows from `since` on until the cursor passes until_ns, and the cursors."""
    rows: list[list] = []
    cursors: list[int] = []
    while True:
        body = await get_json(url, "/0/public/Trades", pair=pair, since=str(since))
        result = body["result"]
        batch = next(v for k, v in result.items() if k != "last")
        rows += batch
        since = result["last"]
        cursors.append(int(since))
        if not batch or int(since) >= until_ns:
            return rows, cursors


async def test_paging_through_a_millisecond_burst():
    seed, pair = 1, "XBTUSD"
    burst_ns = find_millisecond_burst(seed, pair)
    start_s = burst_ns // NS - 2
    end_ns = (start_s + 5) * NS
    async with running_simulator(seed=seed, now=(start_s + 60), rate_limit=None) as sim:
        truth = sim.trades(pair, start_s * NS + 1, end_ns)     # `since` is exclusive
        in_ms = (truth.ts_ns // 1_000_000 == burst_ns // 1_000_000).sum()
        assert in_ms > 1000
        rows, cursors = await page(sim.url, pair, start_s, end_ns)   # first call in seconds
        rows = rows[:truth.n]
        ids = [r[6] for r in rows]
        assert len(ids) == len(set(ids)) == truth.n
        assert ids == truth.trade_id.tolist()
        assert [float(r[0]) for r in rows] == truth.price.tolist()
        assert [float(r[1]) for r in rows] == truth.volume.tolist()
        # A page ended inside the burst's millisecond, where the float times cannot
        # tell trades apart: only the nanosecond cursor can resume there.
        assert any(burst_ns <= c < burst_ns + 1_000_000 for c in cursors)


async def test_trades_cursor_forms():
    async with running_simulator(seed=2, now="2026-03-01T00:00:00Z", rate_limit=None) as sim:
        t0 = 1772236800          # 2026-02-28 00:00
        by_s = await get_json(sim.url, "/0/public/Trades", pair="XBTUSD", since=str(t0), count="50")
        by_ns = await get_json(sim.url, "/0/public/Trades", pair="XBTUSD", since=str(t0 * NS), count="50")
        by_float = await get_json(sim.url, "/0/public/Trades", pair="XBTUSD", since=f"{t0}.0", count="50")
        assert by_s == by_ns == by_float
        rows = by_s["result"]["XXBTZUSD"]
        assert len(rows) == 50 and rows[0][2] > t0
        truth = sim.trades("XBTUSD", t0 * NS + 1, sim.now_ns())
        assert by_s["result"]["last"] == str(truth.ts_ns[49])
        # Past the newest trade: nothing, and the cursor stays where it was.
        future = str(sim.now_ns() + NS)
        empty = await get_json(sim.url, "/0/public/Trades", pair="XBTUSD", since=future)
        assert empty["result"] == {"XXBTZUSD": [], "last": future}
        # No since: the most recent trades before now.
        recent = await get_json(sim.url, "/0/public/Trades", pair="XBTUSD")
        assert recent["result"]["last"] == str(truth.ts_ns[-1]) and len(recent["result"]["XXBTZUSD"]) == 1000
