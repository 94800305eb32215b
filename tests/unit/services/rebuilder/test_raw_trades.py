"""include_trades: each write replaces a span of a day's file with every trade the job read there, so
the stored trades depend only on the trades: not on page sizes, not on a replay from a checkpoint, and
not on how many jobs covered the same time."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from services.rebuilder import raw_trades
from services.rebuilder.raw_trades import Flush, RawTrades, replace_span
from tests.unit.services.rebuilder.reload import reloaded

DAY_NS = 86_400 * 10**9
END_NS = 5 * DAY_NS


@pytest.fixture(autouse=True)
def small_buffer(monkeypatch):
    monkeypatch.setattr(raw_trades, "MAX_BUFFERED", 7)


def trades() -> pa.Table:
    # Three days, the busiest over several buffers, and same-ns twins (real, distinct trades).
    ts = np.sort(np.concatenate([DAY_NS + np.arange(5), 2 * DAY_NS + np.arange(23) // 2, [3 * DAY_NS + 9] * 3]))
    n = len(ts)
    return pa.table({"ts": ts, "price": np.arange(n, dtype="float64"), "volume": np.ones(n),
                     "side": ["s"] * n, "ordertype": ["m"] * n, "trade_id": np.arange(n)})


def apply(store: dict[str, pa.Table], flush: Flush | None) -> None:
    """What trade_store.write_flush does to the day files, in memory."""
    if flush is None:
        return
    for day, lo, hi, part in flush.by_day(sorted(store)):
        merged = replace_span(store.get(day), lo, hi, part)
        if merged.num_rows:
            store[day] = merged
        else:
            store.pop(day, None)


def run(table: pa.Table, page_sizes: list[int], store: dict | None = None, start_ns: int = 0, end_ns: int = END_NS,
        crash_at: int | None = None) -> dict[str, pa.Table]:
    """Feeds the trades page by page. With crash_at, the run dies after writing that page's flush but
    before checkpointing it, and carries on from the last checkpoint, replaying the page."""
    store = {} if store is None else store
    raw, page, at = RawTrades("kraken", "BTC/USD", start_ns), 0, 0
    checkpoint = (0, 0, reloaded(raw))
    while True:
        size = page_sizes[page % len(page_sizes)]
        final = at + size >= table.num_rows
        raw.add(table.slice(at, size))
        apply(store, raw.due(final, end_ns))
        if page == crash_at:
            crash_at = None
            page, at, raw = checkpoint
            continue
        if final:
            return store
        at, page = at + size, page + 1
        checkpoint = (page, at, reloaded(raw))


def ids(store: dict[str, pa.Table]) -> dict[str, list[int]]:
    return {day: t.column("trade_id").to_pylist() for day, t in store.items()}


def test_stored_trades_do_not_depend_on_page_sizes_or_a_replay():
    one_go = ids(run(trades(), [1000]))
    assert ids(run(trades(), [1])) == ids(run(trades(), [3, 5])) == one_go
    assert ids(run(trades(), [4], crash_at=3)) == ids(run(trades(), [3, 5], crash_at=5)) == one_go
    assert [i for day in sorted(one_go) for i in one_go[day]] == list(range(trades().num_rows))
    assert sorted(one_go) == ["1970-01-02", "1970-01-03", "1970-01-04"]


def test_overlapping_jobs_keep_every_trade_once():
    table = trades()
    ts = table.column("ts").to_numpy()
    # A first job over days 2 to 3 (part of day 2 on), a second over day 1 to the middle of day 3.
    a_lo, b_hi = int(ts[10]), int(ts[20])
    store = run(table.filter(pa.array(ts >= a_lo)), [4], start_ns=a_lo)
    run(table.filter(pa.array(ts < b_hi)), [6], store=store, start_ns=0, end_ns=b_hi)
    assert [i for day in sorted(store) for i in ids(store)[day]] == list(range(table.num_rows))


def test_a_dump_job_replaces_api_rows_and_keeps_same_second_twins():
    table = trades()
    store = run(table, [5])  # from the API, with ids
    dump = pl.from_arrow(table.select(["ts", "price", "volume"]))  # the dump's rows: no id, twins included
    run(dump.to_arrow(), [8], store=store)
    stored = pa.concat_tables(store[d] for d in sorted(store))
    assert stored.num_rows == table.num_rows and stored.column("trade_id").null_count == table.num_rows
    assert stored.column("price").to_pylist() == table.column("price").to_pylist()


def test_a_span_with_no_trades_empties_what_was_stored_there():
    table = trades()
    store = run(table, [100])
    quiet = table.filter(pa.array(table.column("ts").to_numpy() < 2 * DAY_NS))  # a job saw nothing after day 1
    run(quiet, [100], store=store, start_ns=0, end_ns=3 * DAY_NS)
    assert sorted(store) == ["1970-01-02", "1970-01-04"]


def test_only_complete_days_are_flushed_until_a_full_buffer_or_the_end():
    raw = RawTrades("kraken", "BTC/USD", 0)
    raw.add(trades().slice(0, 6))  # day 1, then the first trade of day 2
    flush = raw.due(False, END_NS)
    assert (flush.lo_ns, flush.hi_ns, flush.trades.num_rows) == (0, 2 * DAY_NS, 5)
    raw.add(trades().slice(6, 8))  # day 2 goes on: 9 buffered, over the limit of 7
    flush = raw.due(False, END_NS)
    newest = trades().column("ts")[13].as_py()
    # Up to the newest instant, whose trades stay buffered: the next page may hold more of it.
    flushed = flush.trades.column("ts").cast(pa.int64()).to_pylist()
    assert (flush.lo_ns, flush.hi_ns) == (2 * DAY_NS, newest) and flushed and max(flushed) < newest
    assert raw.due(False, END_NS) is None
    final = raw.due(True, END_NS)
    assert (final.lo_ns, final.hi_ns) == (newest, END_NS) and raw.parts == []


def test_dump_rows_without_side_or_id_are_kept_with_nulls():
    raw = RawTrades("kraken", "BTC/USD", 0)
    raw.add(pl.DataFrame({"ts": [DAY_NS, DAY_NS], "price": [1.0, 1.0], "volume": [0.5, 0.5]}))
    flush = raw.due(True, END_NS)
    assert flush.trades.num_rows == 2 and flush.trades.column("trade_id").null_count == 2
