"""Validation of stored candles against the lake's rules and the coverage ledger: a clean range passes,
and each kind of damage is counted, named and located."""

from __future__ import annotations

import pyarrow as pa
import pytest

from services.coverage.checks import merge_reports, summary, validate
from shared.lake.schema import SCHEMA
from shared.lake.timeframes import iso
from shared.ledger.intervals import Interval, span_intervals

M = 60_000
START = 1_700_000_040_000 // M * M  # a whole minute


def candle(ts: int, close: float = 100.0, **over) -> dict:
    row = {"ts": ts, "open": 99.0, "high": 101.0, "low": 98.5, "close": close, "volume": 2.5, "vwap": 100.2,
           "trades": 3, "source": "trades"}
    return row | over


def table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema([f if f.name != "ts" else pa.field("ts", pa.int64())
                                                        for f in SCHEMA])).cast(SCHEMA)


def clean() -> tuple[list[dict], list[Interval]]:
    """60 minutes: candles in minutes 0-19 and 30-59, the ten between confirmed empty."""
    ts = [START + i * M for i in [*range(20), *range(30, 60)]]
    return [candle(t) for t in ts], span_intervals(START, START + 60 * M, ts, M, "trades")


def test_a_clean_stretch_passes_and_reports_what_the_ledger_lacks():
    rows, ledger = clean()
    got = validate(table(rows), ledger, M, START - 30_000, START + 90 * M)
    assert got["ok"] and got["failed"] == {} and got["problems"] == [] and got["rows"] == 50
    # Beyond minute 60 the ledger knows nothing: missing, which is not a failure.
    assert got["missing"] == [{"start_timestamp": iso(START + 60 * M), "end_timestamp": iso(START + 90 * M)}]


def test_a_filled_flat_candle_is_valid_where_the_ledger_holds_data():
    rows, _ = clean()
    flat = [candle(START + i * M, close=100.0, open=100.0, high=100.0, low=100.0, volume=0.0, vwap=None,
                   trades=0) for i in range(20, 30)]
    rows = sorted(rows + flat, key=lambda r: r["ts"])
    ledger = span_intervals(START, START + 60 * M, [r["ts"] for r in rows], M, "trades")
    assert validate(table(rows), ledger, M, START, START + 60 * M)["ok"]


@pytest.mark.parametrize(("damage", "check"), [
    (lambda rows: rows.insert(5, dict(rows[5])), "order"),
    (lambda rows: rows[3].update(ts=rows[3]["ts"] + 1000), "alignment"),
    (lambda rows: rows[4].update(close=102.0), "prices"),
    (lambda rows: rows[6].update(low=-1.0), "prices"),
    (lambda rows: rows[7].update(volume=float("nan")), "volume"),
    (lambda rows: rows[8].update(volume=0.0), "volume"),
    (lambda rows: rows[9].update(vwap=120.0), "vwap"),
    (lambda rows: rows[10].update(trades=-2), "trades"),
    (lambda rows: rows[11].update(trades=0), "trades"),  # no trades, yet volume and a range
    (lambda rows: rows[12].update(source="guess"), "source"),
    (lambda rows: rows.insert(20, candle(START + 25 * M)), "outside_ledger"),  # in the confirmed-empty stretch
    (lambda rows: rows.pop(35), "missing_candle"),
])
def test_each_kind_of_damage_is_counted_and_located(damage, check):
    rows, ledger = clean()
    damage(rows)
    got = validate(table(rows), ledger, M, START, START + 60 * M)
    assert not got["ok"] and got["failed"] == {check: 1}, got
    assert [p["check"] for p in got["problems"]] == [check] and got["problems"][0]["reason"]


def test_reports_of_consecutive_ranges_add_up_to_the_whole():
    rows, ledger = clean()
    rows[3]["ts"] += 1000  # an alignment failure in the first half
    rows.pop(40)           # a missing candle in the second
    whole = validate(table(rows), ledger, M, START, START + 90 * M)
    halves = merge_reports(validate(table(rows), ledger, M, START, START + 30 * M),
                           validate(table(rows), ledger, M, START + 30 * M, START + 90 * M))
    assert halves == whole | {"problems": halves["problems"]}
    assert sorted(p["check"] for p in halves["problems"]) == sorted(p["check"] for p in whole["problems"])
    text, level = summary("1m", whole)
    assert level == "error" and text.startswith(f"1m: validation failed over {iso(START)} to {iso(START + 90 * M)}"
                                                " (alignment 1, missing_candle 1); first at ")
    assert summary("1m", validate(table(clean()[0]), ledger, M, START, START + 60 * M)) == (
        f"1m: all 50 stored candles from {iso(START)} to {iso(START + 60 * M)} are valid", "info")


def test_a_provisional_last_candle_is_stored_not_missing():
    """A day's REST candle that is still forming is in the lake, marked provisional for the next refresh
    to fetch again: validation used to list it as missing."""
    day = 86_400_000
    first = START // day * day
    ts = [first + i * day for i in range(3)]
    ledger = [Interval(first, first + 2 * day, "data", "rest"),
              Interval(first + 2 * day, first + 3 * day, "data", "rest", provisional=True)]
    rows = [candle(t, source="rest") for t in ts]
    got = validate(table(rows), ledger, day, first, first + 3 * day)
    assert got["ok"] and got["rows"] == 3
    assert got["missing"] == []
