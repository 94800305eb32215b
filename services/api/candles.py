"""GET /api/data-jobs/{id}/candles?timeframe=&format=parquet|csv: the candles of a job's range as one
file, streamed a year partition at a time (memory stays that of one partition, whatever the range).
Each carries the quality report of its range (shared/exports/report.py): a Parquet file in its key-value
metadata, and either form as the sidecar GET /api/data-jobs/{id}/candles/quality.json, named by the
answer's `Link` header."""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path
from urllib.parse import quote

import asyncpg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from aiohttp import web

from services.api.errors import ApiError
from services.api.jobs import job_row
from services.api.params import CandlesQuery, TimeframeQuery, parse_query
from services.api.state import POOL, STORAGE
from shared.exports.report import QualityReport, parquet_metadata, quality_report
from shared.jobs.commands import JobCommand
from shared.jobs.submission import command_of
from shared.lake.layout import symbol_dir
from shared.lake.reading import read_years
from shared.lake.schema import PARQUET_OPTIONS, SCHEMA

CHUNK_BYTES = 1 << 20
CSV_SLICE_ROWS = 20_000  # about 1.5 MB of CSV
TYPES = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv"}


def iso_text(ts: pa.ChunkedArray) -> pa.ChunkedArray:
    """Candle times as ISO_FORMAT text. Candles open on whole seconds, and Arrow writes a timestamp in
    seconds without a zone as `YYYY-MM-DD HH:MM:SS`: some fifteen times faster than strftime, which
    looks the zone up for every value."""
    naive = pc.cast(pc.cast(ts, pa.timestamp("s", tz="UTC"), safe=False), pa.timestamp("s"))
    text = pc.replace_substring(pc.cast(naive, pa.string()), " ", "T")
    return pc.binary_join_element_wise(text, "Z", "")


def as_csv(table: pa.Table) -> bytes:
    """ISO-8601 UTC times, the rest as stored; vwap and trades empty where unknown."""
    text = iso_text(table.column("ts"))
    sink = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    pacsv.write_csv(table.set_column(0, "ts", text), sink, options)
    return sink.getvalue()


def quality_link(url: str) -> str:
    """The `Link` header naming an export's sidecar report (RFC 8288)."""
    return f'<{url}>; rel="describedby"; type="application/json"'


async def _job_timeframe(request: web.Request, model: type[TimeframeQuery]
                         ) -> tuple[asyncpg.Record, JobCommand, str, TimeframeQuery]:
    row = await job_row(request)
    job = command_of(row)
    query = parse_query(model, request)
    timeframe = query.timeframe or job.timeframe
    if "batch" in job.options:
        # A batch holds several markets and timeframes: each child's candles are its own download.
        raise ApiError(404, "id", "this job is a batch: download the candles of its children (result.children)",
                       "not_found")
    if timeframe not in job.timeframes:
        # The candles asked for are not the job's: no such file, like an unknown job.
        raise ApiError(404, "timeframe", f"this job stored {', '.join(job.timeframes)}, not {timeframe!r}",
                       "not_found")
    return row, job, timeframe, query


async def _report(request: web.Request, job: JobCommand, timeframe: str) -> QualityReport:
    return await quality_report(request.app[POOL], job.exchange, job.symbol, timeframe, job.start_ms, job.end_ms)


async def job_quality(request: web.Request) -> web.Response:
    _, job, timeframe, _ = await _job_timeframe(request, TimeframeQuery)
    report = await _report(request, job, timeframe)
    return web.Response(body=report.model_dump_json(), content_type="application/json")


async def job_candles(request: web.Request) -> web.StreamResponse:
    row, job, timeframe, query = await _job_timeframe(request, CandlesQuery)
    fmt = query.format
    start, end = row["start_ts"], row["end_ts"]
    name = (f"{row['exchange']}_{symbol_dir(row['symbol'])}_{timeframe}_{start:%Y%m%dT%H%M}_{end:%Y%m%dT%H%M}"
            f".{fmt}")
    report = await _report(request, job, timeframe)
    sidecar = f"{request.path}/quality.json?timeframe={quote(timeframe)}"
    response = web.StreamResponse(headers={"Content-Type": TYPES[fmt], "Link": quality_link(sidecar),
                                           "Content-Disposition": f'attachment; filename="{name}"'})
    years = read_years(request.app[STORAGE], job.exchange, job.symbol, timeframe, job.start_ms, job.end_ms)
    if fmt == "csv":
        await response.prepare(request)
        await response.write(",".join(SCHEMA.names).encode() + b"\n")  # pyarrow would quote every name
        async for _, _, table in years:
            # In slices: each write then holds the loop only briefly, and memory stays small.
            for start in range(0, table.num_rows, CSV_SLICE_ROWS):
                await response.write(await asyncio.to_thread(as_csv, table.slice(start, CSV_SLICE_ROWS)))
    else:
        # Assembled before the answer starts: a partition that cannot be read is still a clean error.
        with tempfile.TemporaryDirectory(prefix="candles-") as tmp:
            path = Path(tmp) / name
            schema = SCHEMA.with_metadata(parquet_metadata(report))
            with pq.ParquetWriter(path, schema, **PARQUET_OPTIONS) as writer:
                async for _, _, table in years:
                    await asyncio.to_thread(writer.write_table, table.replace_schema_metadata(schema.metadata))
            await response.prepare(request)
            with path.open("rb") as f:
                while chunk := f.read(CHUNK_BYTES):
                    await response.write(chunk)
    await response.write_eof()
    return response
