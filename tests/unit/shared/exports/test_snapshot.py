"""Dataset files are a pure function of their candles: the same candles give the same bytes however
they are cut into chunks; the empty buckets the ledger vouches for are filled as documented; and the
id follows the content, not the name or the file URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.exports import snapshot
from shared.exports.manifest import (
    DatasetFile,
    DatasetManifest,
    SnapshotRequest,
    SourceCounts,
    dataset_id,
    schema_fields,
    writer_options,
)
from shared.exports.report import Conventions
from shared.exports.snapshot import SnapshotWriter, fill_buckets, sha256_of
from shared.lake.schema import SCHEMA
from shared.ledger.intervals import Interval

H = 3_600_000
T0 = 1_700_000_000_000 // H * H


def candles(ts: list[int], source: str = "trades") -> pa.Table:
    n = len(ts)
    return pa.table({
        "ts": pa.array([datetime.fromtimestamp(t / 1000, UTC) for t in ts], pa.timestamp("ms", tz="UTC")),
        "open": [float(i + 1) for i in range(n)], "high": [float(i + 2) for i in range(n)],
        "low": [float(i + 0.5) for i in range(n)], "close": [float(i + 1.5) for i in range(n)],
        "volume": [0.25 * (i + 1) for i in range(n)], "vwap": [None] * n, "trades": [3] * n, "source": [source] * n,
    }, schema=SCHEMA)


def written(path, table: pa.Table, cuts: list[int]) -> str:
    writer = SnapshotWriter(path, {b"k": b"v"})
    lo = 0
    for hi in [*cuts, table.num_rows]:
        writer.write(table.slice(lo, max(hi - lo, 0)))
        lo = max(lo, hi)
    writer.close()
    return sha256_of(path)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 700), max_size=4).map(sorted))
def test_the_same_candles_give_the_same_bytes_however_chunked(tmp_path_factory, cuts):
    table = candles([T0 + i * H for i in range(700)])
    folder = tmp_path_factory.mktemp("snap")
    assert written(folder / "a.parquet", table, cuts) == written(folder / "b.parquet", table, [])


def test_row_groups_are_cut_by_count_and_the_metadata_holds_no_time(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "ROW_GROUP_ROWS", 100)
    path = tmp_path / "f.parquet"
    written(path, candles([T0 + i * H for i in range(250)]), [30, 170])
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [100, 100, 50]
    assert set(meta.metadata) == {b"k", b"ARROW:schema"}


def test_stats_count_sources_and_filled_rows(tmp_path):
    table = pa.concat_tables([candles([T0, T0 + H], "zip"), candles([T0 + 2 * H], "rest")])
    writer = SnapshotWriter(tmp_path / "f.parquet", {})
    writer.write(table)
    stats = writer.close()
    assert (stats.rows, stats.first_ts, stats.last_ts) == (3, T0, T0 + 2 * H)
    assert stats.sources == {"zip": 2, "trades": 0, "rest": 1} and stats.filled == 0


def test_fill_puts_a_flat_row_at_the_previous_close_in_every_held_empty_bucket():
    table = candles([T0 + H, T0 + 4 * H])
    held = [Interval(T0, T0 + 3 * H, "data", "zip"), Interval(T0 + 3 * H, T0 + 5 * H, "no_trades", "trades"),
            Interval(T0 + 5 * H, T0 + 7 * H, "missing")]
    out, last = fill_buckets(table, held, H, T0, T0 + 7 * H, prev_close=None)
    rows = out.to_pylist()
    # T0: before any candle and no close carried in: stays empty. T0+5h, T0+6h: missing, never filled.
    assert [int(r["ts"].timestamp() * 1000) for r in rows] == [T0 + i * H for i in (1, 2, 3, 4)]
    flat = rows[1]
    assert (flat["open"], flat["high"], flat["low"], flat["close"]) == (1.5,) * 4
    assert (flat["volume"], flat["vwap"], flat["trades"], flat["source"]) == (0.0, None, 0, "zip")
    assert rows[2]["source"] == "trades" and rows[2]["close"] == 1.5 and rows[3] == table.to_pylist()[1]
    assert last == 2.5
    carried, _ = fill_buckets(candles([]), held, H, T0, T0 + H, prev_close=9.0)
    assert [r["close"] for r in carried.to_pylist()] == [9.0]


def manifest(name_url: str | None = None, rows: int = 3) -> DatasetManifest:
    file = DatasetFile(name="BTC-USD_1h.parquet", symbol="BTC/USD", timeframe="1h", sha256="ab" * 32, bytes=10,
                       rows=rows, first_ts=None, last_ts=None, sources=SourceCounts(zip=rows), filled=0,
                       start="a", end="b", url=name_url)
    request = SnapshotRequest(exchange="kraken", symbols=["BTC/USD"], timeframes=["1h"], start_timestamp="a",
                              end_timestamp="b", options={"empty_buckets": "sparse", "require": "complete"})
    return DatasetManifest(project_version="0.1.0", request=request, parquet_schema=schema_fields(),
                           parquet_writer=writer_options("x"), conventions=Conventions(), files=[file], quality={})


@pytest.mark.parametrize("url", [None, "http://elsewhere/x.parquet"])
def test_the_id_follows_the_content_not_where_the_files_are_served(url):
    assert dataset_id(manifest(url)) == dataset_id(manifest())
    assert dataset_id(manifest(rows=4)) != dataset_id(manifest())
    assert len(dataset_id(manifest())) == 32
