"""A dataset's manifest and its id. The id is the content's address: the SHA-256 of the canonical JSON
of the manifest (sorted keys, no whitespace) without what is not content: the name (a label), when it
was made, and where its files are served from. The same content always gets the same id. Pure."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import orjson
import pyarrow as pa
from pydantic import BaseModel, Field

from shared.exports.report import Conventions, LedgerSpan, Span, ValidationSummary
from shared.exports.snapshot import ROW_GROUP_ROWS, WRITER_OPTIONS
from shared.lake.layout import symbol_dir
from shared.lake.schema import SCHEMA

FORMAT = "candle-history.dataset/1"
ID_LENGTH = 32  # hex digits of the SHA-256: 128 bits
OBJECTS = "datasets/objects/"


class SourceCounts(BaseModel):
    zip: int = 0
    trades: int = 0
    rest: int = 0


class DatasetFile(BaseModel):
    name: str = Field(description="the file's name in the dataset, e.g. BTC-USD_1h.parquet")
    symbol: str
    timeframe: str
    sha256: str = Field(description="of the file's bytes")
    bytes: int
    rows: int
    first_ts: str | None = Field(description="open time of the first candle (ISO-8601 UTC); null: no rows")
    last_ts: str | None = Field(description="open time of the last candle")
    sources: SourceCounts = Field(description="candles per source")
    filled: int = Field(description="rows with trades = 0: flat rows for empty buckets (empty_buckets: fill)")
    start: str = Field(description="the file's range, whole buckets only: inclusive")
    end: str = Field(description="exclusive")
    url: str | None = Field(None, description="where to get it (not part of the content)")


class FileQuality(BaseModel):
    """What the quality report (shared/exports/report.py) said of a file's range when it was frozen."""

    validation: ValidationSummary
    intervals: list[LedgerSpan]
    missing: list[Span]
    complete: bool


class SnapshotRequest(BaseModel):
    """The request, canonical: symbols sorted, timeframes by length, no name."""

    exchange: str
    symbols: list[str]
    timeframes: list[str]
    start_timestamp: str
    end_timestamp: str
    options: dict[str, str]


class SchemaField(BaseModel):
    name: str
    type: str
    nullable: bool


class DatasetManifest(BaseModel):
    format: Literal["candle-history.dataset/1"] = FORMAT
    project_version: str
    request: SnapshotRequest
    parquet_schema: list[SchemaField]
    parquet_writer: dict[str, Any] = Field(description="the options the files were written with")
    conventions: Conventions
    files: list[DatasetFile]
    quality: dict[str, FileQuality] = Field(description="per file name: the validation summary and the ledger's"
                                                        " intervals over its range (data by source, no_trades,"
                                                        " missing)")


def file_name(symbol: str, timeframe: str) -> str:
    return f"{symbol_dir(symbol)}_{timeframe}.parquet"


def object_key(sha256: str) -> str:
    """Where a file's bytes live in the lake: named by their hash, written once, never replaced."""
    return f"{OBJECTS}{sha256}.parquet"


def schema_fields(schema: pa.Schema = SCHEMA) -> list[SchemaField]:
    return [SchemaField(name=f.name, type=str(f.type), nullable=f.nullable) for f in schema]


def writer_options(pyarrow_version: str) -> dict[str, Any]:
    return {**WRITER_OPTIONS, "row_group_rows": ROW_GROUP_ROWS, "pyarrow": pyarrow_version}


def content(manifest: DatasetManifest) -> bytes:
    """The canonical bytes the id is the hash of."""
    data = manifest.model_dump(mode="json", exclude={"files": {"__all__": {"url"}}})
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def dataset_id(manifest: DatasetManifest) -> str:
    return hashlib.sha256(content(manifest)).hexdigest()[:ID_LENGTH]
