"""The streamed download's encoders: fed slice by slice, each gives a file that reads back as the
candles it was fed, and the range of a query is cut to what the lake holds."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq

from services.api.export import CsvEncoder, JsonEncoder, ParquetEncoder
from services.api.query import bounded
from shared.lake.schema import SCHEMA

HOUR = 3_600_000


def candles(n: int, first_hour: int = 0) -> pa.Table:
    hours = range(first_hour, first_hour + n)
    return pa.table({
        "ts": pa.array([h * HOUR for h in hours], pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
        "open": [100.0 + h / 3 for h in hours], "high": [101.0 + h / 7 for h in hours],
        "low": [99.0 for _ in hours], "close": [100.5 + 0.1 * h for h in hours],
        "volume": [h * 1e-8 + 0.1 + 0.2 for h in hours],
        "vwap": pa.array([None if h % 2 else 100.25 for h in hours], pa.float64()),
        "trades": pa.array([None if h % 3 == 0 else h for h in hours], pa.int64()),
        "source": ["zip" if h % 2 else "trades" for h in hours]}, schema=SCHEMA)


def encoded(encoder, slices: list[pa.Table]) -> bytes:
    return encoder.head() + b"".join(encoder.write(s) for s in slices) + encoder.close()


def test_parquet_in_slices_reads_back_whole_with_its_metadata():
    slices = [candles(5), candles(1, 5), candles(7, 6)]
    data = encoded(ParquetEncoder({b"candles.quality": b'{"ok": true}'}), slices)
    read = pq.read_table(io.BytesIO(data))
    assert read.equals(pa.concat_tables(slices))
    assert pq.ParquetFile(io.BytesIO(data)).metadata.num_row_groups == 3
    assert read.schema.metadata[b"candles.quality"] == b'{"ok": true}'


def test_parquet_of_nothing_is_an_empty_file_in_the_schema():
    read = pq.read_table(io.BytesIO(encoded(ParquetEncoder(), [])))
    assert read.num_rows == 0 and read.schema.remove_metadata() == SCHEMA


def test_json_in_slices_is_one_document_with_every_float_exact():
    slices = [candles(3), candles(4, 3)]
    doc = json.loads(encoded(JsonEncoder({"symbol": "BTC/USD", "candles": []}), slices))
    assert doc["symbol"] == "BTC/USD"
    rows = pa.concat_tables(slices).to_pylist()
    assert [c["volume"] for c in doc["candles"]] == [r["volume"] for r in rows]
    assert [c["vwap"] for c in doc["candles"]] == [r["vwap"] for r in rows]
    assert [c["trades"] for c in doc["candles"]] == [r["trades"] for r in rows]
    assert doc["candles"][1]["ts"] == "1970-01-01T01:00:00Z"
    assert json.loads(encoded(JsonEncoder({"candles": []}), [])) == {"candles": []}


def test_csv_has_one_header_and_empty_cells_for_unknowns():
    lines = list(csv.reader(io.StringIO(encoded(CsvEncoder(), [candles(2), candles(2, 2)]).decode())))
    assert lines[0] == SCHEMA.names and len(lines) == 5
    assert lines[2][0] == "1970-01-01T01:00:00Z" and lines[2][6] == "" and lines[1][7] == ""


def test_the_range_is_cut_to_what_the_lake_holds():
    first, last = 10 * HOUR, 20 * HOUR  # opens of the first and last stored candle
    assert bounded(None, None, first, last, HOUR) == (first, last + HOUR)
    assert bounded(0, 100 * HOUR, first, last, HOUR) == (first, last + HOUR)
    assert bounded(12 * HOUR, 15 * HOUR, first, last, HOUR) == (12 * HOUR, 15 * HOUR)
    assert bounded(30 * HOUR, 40 * HOUR, first, last, HOUR) == (30 * HOUR, 30 * HOUR)  # nothing there
    assert bounded(0, 5 * HOUR, first, last, HOUR) == (first, first)
