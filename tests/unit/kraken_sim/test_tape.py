"""The trade tape: determinism, ordering, ids, rounding, realism and speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.kraken_sim import Simulator, Tape, aggregate
from tests.kraken_sim.candles import fill, merge
from tests.kraken_sim.clock import Clock
from tests.kraken_sim.endpoints import call

NS = 1_000_000_000
DAY_NS = 86_400 * NS
JAN_2025 = 1_735_689_600


def test_same_seed_same_answers_different_seed_different_tape():
    a, b, c = Simulator(seed=11), Simulator(seed=11), Simulator(seed=12)
    for method, query in [("OHLC", {"pair": "XBTUSD", "interval": "60"}),
                          ("Trades", {"pair": "ETHUSD", "since": "1790000000"}),
                          ("OHLC", {"pair": "ETHXBT", "interval": "240"})]:
        assert call(a, method, query) == call(b, method, query)
        assert call(a, method, query) != call(c, method, query)


def test_tape_does_not_depend_on_cache_or_clock():
    fresh, warm = Tape(3, cache_days=1), Tape(3)
    pair = warm.catalogue["BTC/USD"]
    for d in range(20_000, 20_010):
        warm.day(pair, d)
    x = fresh.trades_between(pair, 20_005 * DAY_NS, 20_006 * DAY_NS)
    y = warm.trades_between(pair, 20_005 * DAY_NS, 20_006 * DAY_NS)
    assert all(np.array_equal(u, v) for u, v in zip(x, y, strict=True))
    early = Simulator(seed=3, now="2024-12-31T12:00:00Z").trades("XBTUSD", 20_000 * DAY_NS, 20_001 * DAY_NS)
    late = Simulator(seed=3, now="2026-01-01T00:00:00Z").trades("XBTUSD", 20_000 * DAY_NS, 20_001 * DAY_NS)
    assert np.array_equal(early.ts_ns, late.ts_ns) and np.array_equal(early.price, late.price)


@pytest.mark.parametrize("pair", ["BTC/USD", "ETH/USD", "ETH/BTC", "BTC/USDC"])
def test_order_ids_and_listing(pair):
    tape = Tape(1)
    p = tape.catalogue[pair]
    first = tape.trades_between(p, 0, p.listed_s * NS + 3 * DAY_NS)
    assert first.n > 0 and first.ts_ns[0] >= p.listed_s * NS and first.trade_id[0] == 1
    t = tape.trades_between(p, JAN_2025 * NS, (JAN_2025 + 10 * 86_400) * NS)
    assert (np.diff(t.ts_ns) > 0).all()                      # strictly increasing: unique
    assert (np.diff(t.trade_id) == 1).all()                  # consecutive across days
    assert set(t.side) == {"b", "s"} and set(t.ordertype) == {"m", "l"}
    d = p.pair_decimals
    assert all(float(f"{x:.{d}f}") == x for x in t.price.tolist())
    assert all(float(f"{x:.8f}") == x for x in t.volume.tolist())
    assert (t.volume > 0).all() and (t.price > 0).all()
    before = tape.trades_between(p, 0, p.listed_s * NS)
    assert before.n == 0


def test_realism_quiet_stretches_bursts_and_density():
    tape = Tape(1)
    p = tape.catalogue["BTC/USD"]
    t = tape.trades_between(p, JAN_2025 * NS, (JAN_2025 + 60 * 86_400) * NS)
    per_day = t.n / 60
    assert 1000 < per_day < 6000
    gaps = np.diff(t.ts_ns) / NS
    assert gaps.max() > 3600                                  # an hour without trades
    assert (gaps > 600).sum() > 10                            # and many quiet minutes
    _, per_second = np.unique(t.ts_ns // NS, return_counts=True)
    _, per_ms = np.unique(t.ts_ns // 1_000_000, return_counts=True)
    assert per_second.max() > 1000 and per_ms.max() > 100
    # The price wanders but stays in a believable range.
    assert 0.3 < t.price.min() / t.price.max() < 1.0


def test_candle_helpers():
    ts = np.array([0, 30, 59, 60, 200], dtype=np.int64) * NS + 7
    price = np.array([10.0, 12.0, 9.0, 11.0, 13.0])
    vol = np.array([1.0, 2.0, 1.0, 0.5, 0.25])
    c = aggregate(ts, price, vol, 1)
    assert c.time_s.tolist() == [0, 60, 180]
    assert c.open.tolist() == [10.0, 11.0, 13.0] and c.close.tolist() == [9.0, 11.0, 13.0]
    assert c.high.tolist() == [12.0, 11.0, 13.0] and c.low.tolist() == [9.0, 11.0, 13.0]
    assert c.count.tolist() == [3, 1, 1] and c.volume.tolist() == [4.0, 0.5, 0.25]
    assert c.vwap[0] == pytest.approx((10 + 24 + 9) / 4)
    f = fill(c, 0, 300, 1, prev_close=5.0)
    assert f.time_s.tolist() == [0, 60, 120, 180, 240]
    assert f.close.tolist() == [9.0, 11.0, 11.0, 13.0, 13.0] and f.count.tolist() == [3, 1, 0, 1, 0]
    assert f.open[2] == f.high[2] == f.low[2] == 11.0 and f.volume[2] == 0 and f.vwap[2] == 0
    tape = Tape(1)
    day = tape.candles("BTC/USD", 60, 20_000 * DAY_NS, 20_001 * DAY_NS)
    assert day.count.sum() == tape.trades_between("XBTUSD", 20_000 * DAY_NS, 20_001 * DAY_NS).n
    m = merge(c, 5)
    assert m.time_s.tolist() == [0] and m.count.tolist() == [5] and m.high.tolist() == [13.0]
    assert fill(aggregate(ts[:0], price[:0], vol[:0], 1), 0, 120, 1, 0.0).close.tolist() == [0.0, 0.0]


def test_long_intervals_are_fast_after_the_first_call():
    sim = Simulator(seed=21, rate_limit=None)
    query = {"pair": "XBTUSD", "interval": "1440"}
    t0 = time.perf_counter()
    first = call(sim, "OHLC", query)
    t1 = time.perf_counter()
    again = call(sim, "OHLC", query)
    t2 = time.perf_counter()
    assert first == again and len(first["result"]["XXBTZUSD"]) == 720
    assert t1 - t0 < 5.0 and t2 - t1 < 0.2
    # Weekly candles over the whole history reuse the day summaries.
    weekly = call(sim, "OHLC", {"pair": "XBTUSD", "interval": "10080"})["result"]["XXBTZUSD"]
    t3 = time.perf_counter()
    assert call(sim, "OHLC", {"pair": "XBTUSD", "interval": "10080"})["result"]["XXBTZUSD"] == weekly
    assert time.perf_counter() - t3 < 0.2
    assert weekly[0][0] == 1380758400                         # the week of the 2013-10-06 listing
    days = {r[0]: r for r in first["result"]["XXBTZUSD"]}
    complete = [w for w in weekly[:-1] if all(w[0] + i * 86_400 in days for i in range(7))]
    for week in complete[:5]:
        inside = [days[week[0] + i * 86_400] for i in range(7)]
        assert week[7] == sum(r[7] for r in inside)
        assert (week[1], week[4]) == (inside[0][1], inside[-1][4])
        assert week[2] == max((r[2] for r in inside), key=float)


def test_clock_modes():
    fixed = Clock("2026-11-20T12:00:00Z")
    assert fixed.now_ns() == 1795176000 * NS == fixed.now_ns()
    fixed.advance(90)
    assert fixed.now_s() == 1795176090
    fast = Clock("2026-11-20T12:00:00Z", speed=1000)
    time.sleep(0.05)
    assert 1795176000 + 40 < fast.now_s() < 1795176000 + 5000
    real = Clock("real")
    assert abs(real.now_s() - time.time()) < 1
    sim = Simulator(now="2026-11-20T12:00:00Z")
    last_trade = call(sim, "Trades", {"pair": "XBTUSD"})["result"]["last"]
    assert int(last_trade) < sim.now_ns()                     # nothing from the future
    sim.set_now("2026-11-21T12:00:00Z")
    assert int(call(sim, "Trades", {"pair": "XBTUSD"})["result"]["last"]) > int(last_trade)
