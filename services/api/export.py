"""The encoders of a streamed candle download: each takes one slice of candles at a time and gives the
bytes to send next, so the answer never holds more than a slice, whatever its range. They are plain
synchronous code, meant to run on a thread (asyncio.to_thread): encoding never holds the event loop."""

from __future__ import annotations

import io

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from services.api.candles import as_csv
from shared.lake.schema import PARQUET_OPTIONS, SCHEMA
from shared.lake.timeframes import ISO_FORMAT

TYPES = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv", "json": "application/json"}


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
        seconds = pc.cast(table.column("ts"), pa.timestamp("s", tz="UTC"), safe=False)
        rows = pl.from_arrow(table.set_column(0, "ts", pc.strftime(seconds, format=ISO_FORMAT)))
        # polars writes the shortest text that reads back as the same float64.
        text = rows.write_json().encode()[1:-1]
        separator = b"" if self.first else b","
        self.first = False
        return separator + text

    def close(self) -> bytes:
        return b"]}"
