"""GET /api/chart: the stored candles of a range as chart points, downsampled on the server to at most
`points` (downsample.py), so the answer is bounded whatever the range."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.api.downsample import bucket_ms, chart_points, merged
from services.api.errors import ApiError
from services.api.params import ChartQuery, parse_query
from services.api.responses.base import answer
from services.api.responses.chart import Chart
from services.api.state import POOL, STORAGE
from shared.lake.reading import read_years
from shared.lake.timeframes import from_ms, millis, to_ms


async def chart(request: web.Request) -> web.Response:
    query = parse_query(ChartQuery, request)
    row = await request.app[POOL].fetchrow(
        "SELECT start_ts, end_ts FROM stored_ranges WHERE exchange = $1 AND symbol = $2 AND timeframe = $3",
        query.exchange, query.symbol, query.timeframe)
    if row is None:
        raise ApiError(404, "symbol", f"nothing stored for {query.symbol} {query.timeframe} on {query.exchange}",
                       "not_found")
    # The range asked for, within what is stored (millis() checks the timeframe is the lake's).
    step = millis(query.timeframe)
    start = max(to_ms(query.start) if query.start else 0, to_ms(row["start_ts"]))
    end = min(to_ms(query.end) if query.end else 2**62, to_ms(row["end_ts"]))
    if end <= start:
        raise ApiError(400, "start", "the range holds no stored candle: it must overlap "
                                     f"{row['start_ts'].isoformat()} to {row['end_ts'].isoformat()}")
    bucket = bucket_ms(query.timeframe, start, end, query.points)
    parts = [await asyncio.to_thread(chart_points, candles, bucket)
             async for _, _, candles in read_years(request.app[STORAGE], query.exchange, query.symbol,
                                                   query.timeframe, start, end)]
    points = await asyncio.to_thread(merged, parts, bucket)
    return web.json_response(answer(Chart(
        exchange=query.exchange, symbol=query.symbol, timeframe=query.timeframe, start_timestamp=from_ms(start),
        end_timestamp=from_ms(end), bucket_s=bucket // 1000, downsampled=bucket > step,
        points=[[t // 1000, *rest] for t, *rest in points.rows()])))
