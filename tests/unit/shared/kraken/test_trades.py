"""Kraken REST Trades rows: both row lengths, exact times, de-duplication only on trade ids."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from shared.kraken.trades import SCHEMA, dedupe_on_trade_id, parse_trades, time_to_ns
from tests.paths import KRAKEN_DATA

REST = KRAKEN_DATA / "rest"


def test_time_is_converted_through_its_decimal_text():
    t = 1607183031.6367  # as json.loads gives it
    assert time_to_ns(t) == 1_607_183_031_636_700_000
    assert int(t * 1e9) != 1_607_183_031_636_700_000  # why a float multiply is not used
    assert time_to_ns("1607184000.1234") == 1_607_184_000_123_400_000
    assert time_to_ns(Decimal("1607184000.123456")) == 1_607_184_000_123_456_000
    assert time_to_ns(1607184000) == 1_607_184_000_000_000_000


def test_recorded_response_parses_in_order():
    body = json.loads((REST / "trades_aiohttp_00_public_Trades.json").read_text())
    rows = body["response"]["result"]["XXBTZUSD"]
    table = parse_trades(rows)
    assert table.schema == SCHEMA and table.num_rows == 1000
    assert table.column("trade_id").null_count == 1000
    ts = table.column("ts").to_pylist()
    assert ts == sorted(ts) and ts[0] == 1_607_183_031_636_700_000
    assert table.slice(0, 1).to_pylist()[0] | {"ts": 0} == {
        "ts": 0,
        "price": Decimal("19089.8"),  # the text exactly, not the float nearest it
        "volume": Decimal("0.001"),
        "side": "s",
        "ordertype": "l",
        "misc": "",
        "trade_id": None,
    }


def test_seven_element_rows_carry_trade_id():
    rows = [
        ["50000.1", "0.5", 1700000000.1, "b", "l", "", 41],
        ["50000.2", "0.25", 1700000000.25, "s", "m", "", 42],
    ]
    table = parse_trades(rows)
    assert table.column("trade_id").to_pylist() == [41, 42]
    assert table.column("ts").to_pylist() == [1_700_000_000_100_000_000, 1_700_000_000_250_000_000]
    with pytest.raises(ValueError):
        parse_trades([["1", "2", 3.0, "b", "l"]])


def test_dedupe_drops_only_repeated_ids():
    page1 = [["1.0", "1.0", 1.0, "b", "l", "", 1], ["1.0", "1.0", 1.0, "b", "l", "", 2]]
    page2 = [["1.0", "1.0", 1.0, "b", "l", "", 2], ["1.0", "1.0", 1.0, "b", "l", "", 3]]
    got = dedupe_on_trade_id(parse_trades(page1 + page2))
    assert got.column("trade_id").to_pylist() == [1, 2, 3]
    assert got.schema == SCHEMA


def test_without_ids_identical_rows_are_all_kept():
    same = ["1.0", "1.0", 1.0, "b", "l", ""]
    table = parse_trades([same, same, same])
    assert dedupe_on_trade_id(table).num_rows == 3


def test_prices_and_volumes_are_read_as_decimals_never_through_float():
    rows = [["2999.99", "129.50828501", 1.0, "b", "l", ""], ["19089.80000", "0.000000015", 2.0, "s", "l", ""],
            ["0.00000000005", "0.000000025", 3.0, "s", "l", ""]]
    table = parse_trades(rows)
    assert table.column("volume").to_pylist()[0] == Decimal("129.50828501")
    assert table.column("price").to_pylist()[:2] == [Decimal("2999.99"), Decimal("19089.8")]
    # Past Kraken's decimals (never seen in its answers) text is rounded half to even, the same every time.
    assert table.column("volume").to_pylist()[1:] == [Decimal("0.00000002"), Decimal("0.00000002")]
    assert table.column("price").to_pylist()[2] == Decimal(0)
