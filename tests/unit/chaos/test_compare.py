"""What a trial is held to: every reference candle as it is, one row per ts, the same ledger and the
same key figures; calls beyond the reference's are counted, not failed."""

from __future__ import annotations

from tests.chaos.compare import compare
from tests.chaos.snapshot import Snapshot


def _candle(ts: int, close: float = 100.0, source: str = "trades") -> tuple:
    return (ts, 100.0, 101.0, 99.0, close, 1.5, None, 3, source)


def _snapshot(candles: list[tuple], ledger: list[tuple] | None = None, status: str = "completed",
              rows: int = 3, calls: int = 10) -> Snapshot:
    return Snapshot(candles={"BTC-USD/1m": candles}, ledger=ledger or [("1m", 0, 180, "data", "trades", False)],
                    figures={"mixed": {"status": status, "rows": rows}}, calls={"Trades": calls}, events=20)


REFERENCE = _snapshot([_candle(0), _candle(60), _candle(120)])


def test_the_same_outcome_with_more_calls_is_ok():
    found = compare(REFERENCE, _snapshot([_candle(0), _candle(60), _candle(120)], calls=14))
    assert found.ok and found.extra_calls == 4 and found.completed == found.jobs == 1


def test_a_missing_or_changed_candle_is_lost_and_a_second_row_is_a_duplicate():
    found = compare(REFERENCE, _snapshot([_candle(0), _candle(0), _candle(120, close=100.5)]))
    assert (found.lost, found.duplicated, found.extra) == (2, 1, 1) and not found.ok
    assert any("lost (60," in e for e in found.examples)


def test_ledger_rows_and_key_figures_are_compared_both_ways():
    ledger = [("1m", 0, 120, "data", "trades", False), ("1m", 120, 180, "no_trades", "trades", False)]
    found = compare(REFERENCE, _snapshot([_candle(0), _candle(60), _candle(120)], ledger=ledger, status="failed",
                                         rows=2))
    assert found.ledger == 3 and found.completed == 0
    assert found.results == ["mixed.status: 'completed' → 'failed'", "mixed.rows: 3 → 2"]
