"""A dataset frozen: the quality report of every (symbol, timeframe) first (a range the ledger does not
wholly hold is refused before anything is written, when the request requires it whole), then each
file written deterministically to a temporary folder, a year partition at a time (memory stays that
of one partition), hashed, and described in the manifest."""

from __future__ import annotations

import asyncio
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pyarrow as pa

from services.api.datasets.requests import DatasetRequest, bucket_range
from shared.exports.manifest import (
    DatasetFile,
    DatasetManifest,
    FileQuality,
    SnapshotRequest,
    SourceCounts,
    file_name,
    schema_fields,
    writer_options,
)
from shared.exports.report import Conventions, QualityReport, parquet_metadata, quality_report
from shared.exports.snapshot import SnapshotWriter, fill_buckets, sha256_of
from shared.lake.reading import read_years
from shared.lake.storage import Storage
from shared.lake.timeframes import iso, millis
from shared.ledger import store as ledger_store


@dataclass(frozen=True)
class Part:
    symbol: str
    timeframe: str
    start_ms: int
    end_ms: int
    report: QualityReport

    @property
    def name(self) -> str:
        return file_name(self.symbol, self.timeframe)


def project_version() -> str:
    return importlib.metadata.version("candle-history")


async def reports(pool: asyncpg.Pool, req: DatasetRequest) -> list[Part]:
    parts = []
    for symbol in req.canonical_symbols():
        for timeframe in req.canonical_timeframes():
            lo, hi = bucket_range(timeframe, req.start_timestamp, req.end_timestamp)
            report = await quality_report(pool, req.exchange, symbol, timeframe, lo, hi,
                                          empty_buckets=req.options.empty_buckets)
            parts.append(Part(symbol, timeframe, lo, hi, report))
    return parts


async def write_file(pool: asyncpg.Pool, storage: Storage, exchange: str, part: Part, fill: bool,
                     path: Path) -> DatasetFile:
    step = millis(part.timeframe)
    known = await ledger_store.load(pool, exchange, part.symbol, part.timeframe, part.start_ms, part.end_ms)
    writer = await asyncio.to_thread(SnapshotWriter, path, parquet_metadata(part.report))
    prev_close = None
    try:
        async for lo, hi, table in read_years(storage, exchange, part.symbol, part.timeframe, part.start_ms,
                                              part.end_ms):
            if fill:
                table, prev_close = await asyncio.to_thread(fill_buckets, table, known, step, lo, hi, prev_close)
            await asyncio.to_thread(writer.write, table)
    finally:
        stats = await asyncio.to_thread(writer.close)
    sha256, size = await asyncio.to_thread(lambda: (sha256_of(path), path.stat().st_size))
    return DatasetFile(
        name=part.name, symbol=part.symbol, timeframe=part.timeframe, sha256=sha256, bytes=size, rows=stats.rows,
        first_ts=iso(stats.first_ts) if stats.first_ts is not None else None,
        last_ts=iso(stats.last_ts) if stats.last_ts is not None else None,
        sources=SourceCounts(**stats.sources), filled=stats.filled, start=iso(part.start_ms), end=iso(part.end_ms))


def manifest_of(req: DatasetRequest, parts: list[Part], files: list[DatasetFile]) -> DatasetManifest:
    request = SnapshotRequest(exchange=req.exchange, symbols=req.canonical_symbols(),
                              timeframes=req.canonical_timeframes(), start_timestamp=iso(req.start_timestamp),
                              end_timestamp=iso(req.end_timestamp), options=req.options.model_dump())
    quality = {p.name: FileQuality(validation=p.report.validation, intervals=p.report.intervals,
                                   missing=p.report.missing, complete=p.report.complete) for p in parts}
    return DatasetManifest(project_version=project_version(), request=request, parquet_schema=schema_fields(),
                           parquet_writer=writer_options(pa.__version__), conventions=Conventions(), files=files,
                           quality=quality)


async def freeze(pool: asyncpg.Pool, storage: Storage, req: DatasetRequest, parts: list[Part],
                 folder: Path) -> tuple[DatasetManifest, dict[str, Path]]:
    """Every file written under `folder`; the manifest and where each file is staged."""
    fill = req.options.empty_buckets == "fill"
    files, staged = [], {}
    for part in parts:
        path = staged[part.name] = folder / part.name
        files.append(await write_file(pool, storage, req.exchange, part, fill, path))
    return manifest_of(req, parts, files), staged
