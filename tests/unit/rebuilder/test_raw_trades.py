"""include_trades: whole days are written, named by their content, so a replay writes the same files."""

from __future__ import annotations

import pyarrow as pa

from services.rebuilder.raw_trades import MAX_BUFFERED, RawTrades

DAY_NS = 86_400 * 10**9


def page(ts: list[int], first_id: int = 1) -> pa.Table:
    n = len(ts)
    return pa.table({"ts": ts, "price": [1.0] * n, "volume": [2.0] * n, "side": ["b"] * n, "ordertype": ["l"] * n,
                     "misc": [""] * n, "trade_id": list(range(first_id, first_id + n))})


def test_only_complete_days_are_written_until_the_end():
    raw = RawTrades("kraken", "BTC/USD")
    raw.add(page([DAY_NS + 5, DAY_NS + 6]))
    assert raw.due(final=False) == []  # the day may go on
    raw.add(page([2 * DAY_NS + 1], first_id=3))
    (day1,) = raw.due(final=False)
    assert day1[0] == f"trades/exchange=kraken/symbol=BTC-USD/date=1970-01-02/part-{DAY_NS + 5}-2.parquet"
    assert day1[1].column("trade_id").to_pylist() == [1, 2]
    (day2,) = raw.due(final=True)
    assert day2[0].endswith(f"date=1970-01-03/part-{2 * DAY_NS + 1}-1.parquet") and raw.parts == []


def test_the_same_trades_give_the_same_files_and_a_full_buffer_is_written():
    def run() -> list[str]:
        raw = RawTrades("kraken", "ETH/USD")
        raw.add(page(list(range(DAY_NS, DAY_NS + MAX_BUFFERED + 10))))
        return [key for key, _ in raw.due(final=False)]

    assert run() == run() and len(run()) == 1


def test_dump_rows_without_side_or_id_are_kept_with_nulls():
    import polars as pl

    raw = RawTrades("kraken", "BTC/USD")
    raw.add(pl.DataFrame({"ts": [DAY_NS, DAY_NS], "price": [1.0, 1.0], "volume": [0.5, 0.5]}))
    ((_, table),) = raw.due(final=True)
    assert table.num_rows == 2 and table.column("trade_id").null_count == 2
