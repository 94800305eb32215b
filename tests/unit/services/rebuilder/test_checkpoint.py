"""The rebuild checkpoint as stored: every part, tables included, reads back equal and goes on as the
original would; a checkpoint of another schema version, or one that does not read, is refused whole."""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from services.rebuilder.checkpoint import SCHEMA_VERSION, Checkpoint, Refused, decode, encode
from services.rebuilder.dump_check import DumpComparison
from services.rebuilder.ohlc_check import compare_window
from shared.jobs.commands import JobCommand
from shared.kraken.dumps.trade_stretches import DumpStretch

START_MS = 1_600_041_600_000 - 3 * 3_600_000 + 20_000  # off the bucket edges, three hours before midnight
END_MS = START_MS + 6 * 3_600_000


def command(**options) -> JobCommand:
    return JobCommand(job_id=uuid.uuid4(), exchange="kraken", symbol="BTC/USD", timeframe="1m",
                      start_ms=START_MS, end_ms=END_MS, options={"timeframes": ["5m", "1h"]} | options)


def tape(n: int = 3000) -> pa.Table:
    rng = np.random.default_rng(5)
    ts = np.sort(rng.integers(START_MS, END_MS, n)) * 1_000_000 + rng.integers(0, 1_000_000, n)
    return pa.table({"ts": ts, "price": np.round(100 + np.cumsum(rng.normal(0, 0.1, n)), 2),
                     "volume": rng.exponential(1.0, n), "side": rng.choice(["b", "s"], n),
                     "ordertype": ["l"] * n, "trade_id": np.arange(n)})


def midway(cmd: JobCommand, trades: pa.Table) -> Checkpoint:
    """A checkpoint with something in every part, as a rebuild leaves it after these trades."""
    cp = Checkpoint.start(cmd)
    cp.cursor.chunk_read("Kraken_Trading_History_Q3_2020.zip", 400)
    cp.cursor.hand_over(START_MS + 3_600_000)
    cp.cursor.page_read(str(trades.column("ts")[-1].as_py()), trades.num_rows - 400)
    for tf, closed in cp.aggregator.feed(trades).items():
        if closed.num_rows:
            cp.outbox.queue(tf, closed)
            cp.recent.keep(tf, closed, cmd.end_ms)
    cp.outbox.sent("1h", "trades-1h-0", START_MS + 3_600_000)
    changed = cp.recent.tables["5m"].set_column(4, "close", pa.array(np.ones(cp.recent.tables["5m"].num_rows)))
    cp.dump_comparison = DumpComparison(
        {"5m": [DumpStretch("Kraken_OHLCVT.zip", "raw/kraken/ohlcvt/Kraken_OHLCVT.zip", "XBTUSD_5.csv",
                            START_MS, END_MS)], "1h": []},
        {"5m": compare_window(cp.recent.tables["5m"], changed, START_MS, END_MS)}, {"1m": "XBTUSD_1.csv: gone"})
    if cp.raw_trades is not None:
        cp.raw_trades.add(trades.slice(0, 2000))
        flush = cp.raw_trades.due(False, cmd.end_ms * 1_000_000)  # the day before midnight
        cp.raw_trades.files.append("trades/exchange=kraken/symbol=BTC-USD/date=2020-09-13/part-0.parquet")
        cp.raw_trades.written += flush.trades.num_rows
        cp.raw_trades.add(trades.slice(2000))
    return cp


def stored(cp: Checkpoint) -> Checkpoint:
    """Through what PostgreSQL keeps: the document as JSON text, each table as Arrow IPC bytes."""
    document, tables = encode(cp)
    return decode(json.loads(json.dumps(document)), tables)


def assert_same(a: Any, b: Any, at: str = "checkpoint") -> None:
    """Equal value by value; tables equal in schema and rows, a list of tables as the rows it holds."""
    if isinstance(a, list) and a and isinstance(a[0], pa.Table):
        a, b = pa.concat_tables(a), pa.concat_tables(b)
    if isinstance(a, pa.Table):
        assert isinstance(b, pa.Table) and a.schema == b.schema and a.equals(b), at
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), at
        for key in a:
            assert_same(a[key], b[key], f"{at}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), at
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{at}[{i}]")
    elif hasattr(a, "__dict__"):
        assert type(a) is type(b), at
        assert_same(vars(a), vars(b), at)
    else:
        assert type(a) is type(b) and a == b, (at, a, b)


def test_every_part_reads_back_equal_tables_included():
    cp = midway(command(include_trades=True, empty_buckets="fill"), tape())
    document, tables = encode(cp)
    # Something in every part, so that nothing here passes for want of a value.
    assert document["schema_version"] == SCHEMA_VERSION and document["tables"] == sorted(tables)
    assert {"outbox/1m", "outbox/5m", "recent/1m", "recent/5m", "recent/1h", "aggregator/open_buckets",
            "aggregator/last_closes", "raw_trades/buffer"} <= set(tables)
    assert cp.aggregator._carry and cp.aggregator._last and cp.outbox.batch_ids and cp.raw_trades.written
    assert len(cp.raw_trades.parts) == 2 and cp.raw_trades.flushed_to_ns > START_MS * 1_000_000
    assert cp.dump_comparison.reports["5m"]["differing"] > 0 and cp.cursor.dumps_done
    assert_same(stored(cp), cp)


def test_a_read_back_checkpoint_goes_on_as_the_original():
    trades = tape()
    for options in ({}, {"empty_buckets": "fill", "include_trades": True}):
        cmd = command(**options)
        cp = midway(cmd, trades.slice(0, 1500))
        back = stored(cp)
        for state in (cp, back):
            state.aggregator.feed(trades.slice(1500))
        assert_same(back.aggregator.finish(cmd.end_ms), cp.aggregator.finish(cmd.end_ms))
        # Finished: the buckets still open at the end are kept apart, and read back too.
        assert cp.aggregator.unfinished and cp.aggregator._done
        assert_same(stored(cp), cp)
        assert (back.raw_trades is None) == ("include_trades" not in options)


def test_a_checkpoint_of_another_schema_version_is_refused():
    document, tables = encode(midway(command(), tape()))
    # Version 1 carried the open buckets' volume and price x volume as float sums: never resumed from.
    assert SCHEMA_VERSION == 2
    for version, said in ((1, "1"), (SCHEMA_VERSION + 1, str(SCHEMA_VERSION + 1)), (None, "none")):
        with pytest.raises(Refused) as refused:
            decode(document | {"schema_version": version}, tables)
        assert str(refused.value) == (f"checkpoint written by schema version {said}, this rebuilder reads"
                                      f" {SCHEMA_VERSION}: rebuilding from the start")
    # A pickled checkpoint of before has no document at all.
    with pytest.raises(Refused, match="schema version none, this rebuilder reads"):
        decode(None, {})


def test_a_checkpoint_that_does_not_read_is_refused_whole():
    document, tables = encode(midway(command(), tape()))
    broken = [
        (document, {name: data for name, data in tables.items() if name != "outbox/5m"}),  # a table lost
        (document, tables | {"outbox/5m": b"not arrow"}),
        (document | {"cursor": {"since": "1"} | {"pages": 3}}, tables),
        (document | {"aggregator": None}, tables),
        ({k: v for k, v in document.items() if k != "recent"}, tables),
    ]
    for doc, stored_tables in broken:
        with pytest.raises(Refused, match=f"checkpoint of schema version {SCHEMA_VERSION} does not read .*:"
                                          " rebuilding from the start"):
            decode(doc, stored_tables)
