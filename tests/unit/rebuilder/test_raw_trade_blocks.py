"""Raw trade files depend on the trades only: however pages or dump chunks split them, and whether or
not a run stops and replays from its checkpoint, the same files come out, every trade in one of them."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa
import pytest

from services.rebuilder import raw_trades
from services.rebuilder.raw_trades import RawTrades

DAY_NS = 86_400 * 10**9


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(raw_trades, "MAX_BUFFERED", 7)


def trades() -> pa.Table:
    # Three days, the busiest with several blocks, and same-ns twins (real, distinct trades).
    ts = np.sort(np.concatenate([DAY_NS + np.arange(5), 2 * DAY_NS + np.arange(23) // 2, [3 * DAY_NS + 9] * 3]))
    n = len(ts)
    return pa.table({"ts": ts, "price": np.arange(n, dtype="float64"), "volume": np.ones(n),
                     "side": ["s"] * n, "ordertype": ["m"] * n, "trade_id": np.arange(n)})


def run(page_sizes: list[int], crash_at: int | None = None) -> dict[str, list[int]]:
    """Feeds the trades page by page. With crash_at, the run dies after writing that page's files but
    before checkpointing it, and carries on from the last checkpoint, replaying the page."""
    table, files, raw, page = trades(), {}, RawTrades("kraken", "BTC/USD"), 0
    checkpoint = (0, 0, pickle.dumps(raw))  # (page, position, state) as last saved
    at = 0
    while at < table.num_rows:
        size = page_sizes[page % len(page_sizes)]
        raw.add(table.slice(at, size))
        for key, part in raw.due(final=at + size >= table.num_rows):
            files[key] = part.column("trade_id").to_pylist()
        if page == crash_at:
            crash_at = None
            page, at, state = checkpoint
            raw = pickle.loads(state)
            continue
        at, page = at + size, page + 1
        checkpoint = (page, at, pickle.dumps(raw))
    return files


def test_files_do_not_depend_on_page_sizes_or_a_replay():
    one_go = run([1000])
    assert run([1]) == run([3, 5]) == run([4], crash_at=3) == run([3, 5], crash_at=5) == one_go
    assert sorted(i for ids in one_go.values() for i in ids) == list(range(trades().num_rows))
    assert all(len(ids) <= 7 for ids in one_go.values())
    assert sorted({key.split("/")[3] for key in one_go}) == ["date=1970-01-02", "date=1970-01-03", "date=1970-01-04"]


def test_only_the_unfinished_day_stays_buffered():
    raw = RawTrades("kraken", "BTC/USD")
    raw.add(trades().slice(0, 20))  # all of day 1 and 15 trades of day 2: two blocks of 7 are full
    assert [part.num_rows for _, part in raw.due(final=False)] == [5, 7, 7]
    assert sum(p.num_rows for p in raw.parts) == 1
