"""The encoders of a streamed candle download: each takes one slice of candles at a time and gives the
bytes to send next, so the answer never holds more than a slice, whatever its range. They are plain
synchronous code, meant to run on a thread (asyncio.to_thread): encoding never holds the event loop."""

from __future__ import annotations

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from services.api.candles import as_csv, iso_text
from shared.lake.schema import PARQUET_OPTIONS, SCHEMA

TYPES = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv", "json": "application/json"}


def _lower_priority() -> None:
    # A download is bulk work: on a busy machine its threads give way to the event loop's, which
    # answers every other request and event stream (Linux sets a nice value per thread).
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except OSError:
        pass


EXPORT_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="export", initializer=_lower_priority)


class _Sink(io.RawIOBase):
    """What the Parquet writer writes into: the bytes since the last take(), and the position in the
    whole file, which the writer reads back for the offsets in its footer."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


class ParquetEncoder:
    """One Parquet file, a row group per slice; `metadata` goes into the footer's key-value metadata."""

    def __init__(self, metadata: dict[bytes, bytes] | None = None) -> None:
        self.sink = _Sink()
        schema = SCHEMA.with_metadata(metadata) if metadata else SCHEMA
        self.writer = pq.ParquetWriter(self.sink, schema, **PARQUET_OPTIONS)

    def head(self) -> bytes:
        return self.sink.take()

    def write(self, table: pa.Table) -> bytes:
        self.writer.write_table(table)
        return self.sink.take()

    def close(self) -> bytes:
        self.writer.close()
        return self.sink.take()


class CsvEncoder:
    """A header, then the rows as the job downloads write them (services/api/candles.py as_csv)."""

    def head(self) -> bytes:
        return ",".join(SCHEMA.names).encode() + b"\n"  # pyarrow would quote every name

    def write(self, table: pa.Table) -> bytes:
        return as_csv(table)

    def close(self) -> bytes:
        return b""


class JsonEncoder:
    """One JSON document: `head` is everything up to the candles' opening bracket (a CandlesAnswer
    with no candles, cut open), then the rows, comma separated, then the closing brackets."""

    def __init__(self, envelope: dict) -> None:
        text = orjson.dumps(envelope)
        assert text.endswith(b'"candles":[]}'), "the candles come last"
        self._head, self.first = text[:-2], True

    def head(self) -> bytes:
        return self._head

    def write(self, table: pa.Table) -> bytes:
        text = json_rows(table)
        separator = b"" if self.first or not text else b","
        self.first = self.first and not text
        return separator + text

    def close(self) -> bytes:
        return b"]}"


def _json_value(column: pa.ChunkedArray) -> pa.ChunkedArray:
    # Arrow writes a float64 as the shortest text that reads back as the same number, and the names
    # of `source` need no escaping; null where unknown.
    return pc.fill_null(pc.cast(column, pa.string()), "null")


def json_rows(table: pa.Table) -> bytes:
    """The candles as JSON objects, comma separated, built by Arrow's compute kernels: they run
    without Python's lock, so encoding never stalls the event loop's thread."""
    if not table.num_rows:
        return b""
    parts: list = ['{"ts":"', iso_text(table.column("ts")), '"']
    for name in SCHEMA.names[1:-1]:
        parts += [f',"{name}":', _json_value(table.column(name))]
    parts += [',"source":"', table.column("source"), '"},']
    rows = pc.binary_join_element_wise(*parts, "").combine_chunks()
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset:rows.offset + len(rows) + 1]
    return rows.buffers()[2].to_pybytes()[offsets[0]:offsets[-1] - 1]  # without the last comma
