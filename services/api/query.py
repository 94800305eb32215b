"""GET /api/candles: candles of any stored range, independent of any job, as Parquet, CSV or JSON;
GET /api/candles/quality.json: the quality report of the same range (shared/exports/report.py), which a
Parquet answer also carries in its key-value metadata, a JSON one in its `quality`, and every answer
names in its `Link` header (the only form a CSV gets).

The range asked for is cut to what the lake holds (lake_partitions), and only partitions that exist are
read. The answer is streamed: a partition's compressed bytes and one slice of decoded candles at a time
(shared/lake/reading.py read_batches), each slice encoded on a thread (export.py) and sent as a chunk.
So memory does not grow with the range, and a long download never holds the event loop that serves
every other request and event stream."""

from __future__ import annotations

import asyncio
from typing import Literal
from urllib.parse import urlencode

import structlog
from aiohttp import web
from pydantic import Field

from services.api.candles import quality_link
from services.api.errors import ApiError
from services.api.export import EXPORT_THREADS, TYPES, CsvEncoder, JsonEncoder, ParquetEncoder
from services.api.params import Name, Query, parse_query
from services.api.requests import Timestamp
from services.api.responses.base import answer
from services.api.responses.candles import CandlesAnswer
from services.api.state import POOL, STORAGE
from shared.exports.report import QualityReport, parquet_metadata, quality_report
from shared.lake.layout import symbol_dir
from shared.lake.reading import read_batches
from shared.lake.timeframes import MINUTES, from_ms, millis, to_ms

log = structlog.get_logger()

# Candles per slice: a row group of Parquet (a few hundred kB); about 1.5 MB of CSV or 2 MB of JSON,
# whose encoders cost more per row, so a slice holds a thread (and the CPU) only briefly.
SLICE_ROWS = {"parquet": 32_768, "csv": 20_000, "json": 20_000}
Timeframe = Literal[tuple(MINUTES)]


class CandlesRangeQuery(Query):
    exchange: Name
    symbol: Name
    timeframe: Timeframe
    start: Timestamp | None = Field(None, description="ISO 8601 with an offset; default: the first stored candle")
    end: Timestamp | None = Field(None, description="exclusive; default: past the last stored candle")
    format: Literal["parquet", "csv", "json"] = "parquet"


def bounded(start_ms: int | None, end_ms: int | None, first_ms: int, last_ms: int, step_ms: int) -> tuple[int, int]:
    """[start, end) as asked, within [first stored open, last stored open + one candle); empty (lo == hi)
    when they do not meet."""
    lo = first_ms if start_ms is None else max(start_ms, first_ms)
    hi = last_ms + step_ms if end_ms is None else min(end_ms, last_ms + step_ms)
    return lo, max(lo, hi)


async def _stored(request: web.Request, query: CandlesRangeQuery) -> tuple[list[int], int, int]:
    """The year partitions holding candles, and the first and last candle's open."""
    pool = request.app[POOL]
    if not await pool.fetchval("SELECT 1 FROM data_sources WHERE id = $1 AND enabled", query.exchange):
        raise ApiError(422, "exchange", f"unknown exchange {query.exchange!r}; see GET /api/exchanges")
    rows = await pool.fetch("SELECT year, first_ts, last_ts FROM lake_partitions WHERE exchange = $1 AND symbol = $2"
                            " AND timeframe = $3 AND rows > 0 ORDER BY year",
                            query.exchange, query.symbol, query.timeframe)
    if not rows:
        raise ApiError(404, "symbol", f"no {query.timeframe} candles of {query.symbol} are stored on"
                                      f" {query.exchange}; see GET /api/data-coverage", "not_found")
    return [r["year"] for r in rows], to_ms(rows[0]["first_ts"]), to_ms(rows[-1]["last_ts"])


def _encoder(query: CandlesRangeQuery, lo: int, hi: int, report: QualityReport):
    if query.format == "parquet":
        return ParquetEncoder(parquet_metadata(report))
    if query.format == "csv":
        return CsvEncoder()
    empty = lo == hi
    return JsonEncoder(answer(CandlesAnswer(
        exchange=query.exchange, symbol=query.symbol, timeframe=query.timeframe,
        start_timestamp=None if empty else from_ms(lo), end_timestamp=None if empty else from_ms(hi),
        quality=report, candles=[])))


async def _range(request: web.Request) -> tuple[CandlesRangeQuery, list[int], int, int, QualityReport]:
    """The query, the partitions to read, the range answered and its quality report."""
    query = parse_query(CandlesRangeQuery, request)
    if query.start is not None and query.end is not None and query.end <= query.start:
        raise ApiError(422, "end", "must be after start")
    years, first, last = await _stored(request, query)
    lo, hi = bounded(query.start and to_ms(query.start), query.end and to_ms(query.end), first, last,
                     millis(query.timeframe))
    report = await quality_report(request.app[POOL], query.exchange, query.symbol, query.timeframe, lo, hi)
    return query, years, lo, hi, report


async def candles_quality(request: web.Request) -> web.Response:
    *_, report = await _range(request)
    return web.Response(body=report.model_dump_json(), content_type="application/json")


async def candles_query(request: web.Request) -> web.StreamResponse:
    query, years, lo, hi, report = await _range(request)
    loop = asyncio.get_running_loop()

    def encoded(step, *args):
        return loop.run_in_executor(EXPORT_THREADS, step, *args)

    encoder = await encoded(_encoder, query, lo, hi, report)
    name = (f"{query.exchange}_{symbol_dir(query.symbol)}_{query.timeframe}_{from_ms(lo):%Y%m%dT%H%M}"
            f"_{from_ms(hi):%Y%m%dT%H%M}.{query.format}")
    # The sidecar: the same query, so the same range once cut to the lake (Parquet and JSON answers
    # also carry the report itself).
    asked = {"exchange": query.exchange, "symbol": query.symbol, "timeframe": query.timeframe,
             "start": query.start and query.start.isoformat(), "end": query.end and query.end.isoformat()}
    sidecar = "/api/candles/quality.json?" + urlencode({k: v for k, v in asked.items() if v})
    response = web.StreamResponse(headers={"Content-Type": TYPES[query.format], "Link": quality_link(sidecar),
                                           "Content-Disposition": f'attachment; filename="{name}"'})
    response.enable_chunked_encoding()
    sent = 0
    try:
        await response.prepare(request)
        await response.write(await encoded(encoder.head))
        async for table in read_batches(request.app[STORAGE], query.exchange, query.symbol, query.timeframe,
                                        years, lo, hi, SLICE_ROWS[query.format], EXPORT_THREADS):
            await response.write(await encoded(encoder.write, table))
            sent += table.num_rows
        await response.write(await encoded(encoder.close))
        await response.write_eof()
    except ConnectionResetError:  # the client went away: nothing is wrong here
        log.info("candles.client_gone", symbol=query.symbol, timeframe=query.timeframe, rows=sent)
        return response
    log.info("candles.sent", symbol=query.symbol, timeframe=query.timeframe, format=query.format, rows=sent,
             start=lo, end=hi)
    return response
