"""The other routes as OpenAPI operations: what is stored and known (coverage, exchanges, dumps,
markets), the public contracts, health, and the web page."""

from __future__ import annotations

from aiohttp.web_fileresponse import CONTENT_TYPES

from services.api.docs import PAGES
from services.api.openapi.jobs import CANDLES, QUALITY_LINK
from services.api.openapi.parts import array, json_answer, operation, query, ref
from services.api.page import FILES
from services.api.params import ChartQuery, CoverageQuery, IntervalsQuery, MarketsQuery
from services.api.query import CandlesRangeQuery
from services.api.responses.candles import CandlesAnswer
from services.api.responses.chart import Chart
from services.api.responses.meta import (
    CoverageRow,
    DumpFile,
    EventTypes,
    Exchange,
    Health,
    IntervalsPage,
    Market,
    Readiness,
)
from shared.exports.report import QualityReport

QUERY_REFUSALS = {400: None, 404: "No candles of that symbol and timeframe are stored",
                  422: "An unknown exchange, or an end not after the start"}


def _contract(kind: str, version: str) -> dict:
    return {"type": "object", "required": [kind], "properties": {kind: {"const": version}}}


def _metadata() -> dict:
    return {
        "/api/candles": {"get": operation(
            "getCandles", "Stored candles of any range, independent of any job, as one file: the range asked"
                          " for within what the lake holds, streamed", {200: {
                "description": "The candles (format: parquet, csv or json) with the quality report of the range:"
                               " a Parquet file in its key-value metadata (`candles.quality`), JSON in `quality`",
                "content": {**CANDLES, "application/json": {"schema": ref(CandlesAnswer)}},
                "headers": {"Content-Disposition": {"required": True, "schema": {"type": "string"}},
                            "Link": QUALITY_LINK}}},
            QUERY_REFUSALS, parameters=query(CandlesRangeQuery))},
        "/api/candles/quality.json": {"get": operation(
            "getCandlesQuality", "The quality report of the range GET /api/candles answers for the same"
                                 " parameters (format aside): conventions, the validation summary and the ledger's"
                                 " intervals",
            {200: json_answer("The report (the sidecar of a download, the only one a CSV has)", ref(QualityReport))},
            QUERY_REFUSALS, parameters=query(CandlesRangeQuery))},
        "/api/data-coverage": {"get": operation(
            "getCoverage", "What is stored per timeframe, with a timeline of the ledger's states (data by"
                           " source, no_trades, missing) of a bounded number of segments",
            {200: json_answer("Coverage rows", array(CoverageRow))}, {400: None}, parameters=query(CoverageQuery))},
        "/api/data-coverage/intervals": {"get": operation(
            "listCoverageIntervals", "The coverage ledger's intervals of one timeframe, paginated",
            {200: json_answer("A page of intervals", ref(IntervalsPage))}, {400: None},
            parameters=query(IntervalsQuery))},
        "/api/chart": {"get": operation(
            "getChart", "The stored candles of a range as chart points, downsampled on the server to at most"
                        " `points`", {200: json_answer("Chart points", ref(Chart))}, {400: None, 404: None},
            parameters=query(ChartQuery))},
        "/api/exchanges": {"get": operation("listExchanges", "Exchanges and their timeframes",
                                            {200: json_answer("Exchanges", array(Exchange))}, {})},
        "/api/dumps": {"get": operation("listDumps", "Cached official dump files and what each member covers",
                                        {200: json_answer("Dump files", array(DumpFile))}, {})},
        "/api/markets": {"get": operation("listMarkets", "Markets of an exchange", {200: json_answer(
            "Markets", array(Market))}, {400: None}, parameters=query(MarketsQuery))},
    }


def _html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _public() -> dict:
    files = sorted(FILES)
    # As aiohttp's FileResponse names them.
    types = sorted({CONTENT_TYPES.guess_type(f)[0] or "application/octet-stream" for f in files})
    return {
        "/api/openapi.json": {"get": operation("getOpenapi", "This document", {200: json_answer(
            "OpenAPI 3.1", _contract("openapi", "3.1.0"))}, {}, public=True)},
        "/api/asyncapi.json": {"get": operation(
            "getAsyncapi", "The bus contract (AsyncAPI 3.0): job events on data_job_events.{job_id}, the JOBS"
                           " and CANDLES work queues", {200: json_answer("AsyncAPI 3.0", _contract("asyncapi", "3.0.0"))},
            {}, public=True)},
        "/api/event-types": {"get": operation("getEventTypes", "Job event type names, and the terminal ones",
                                              {200: json_answer("The names", ref(EventTypes))}, {}, public=True)},
        "/healthz": {"get": operation("healthz", "Liveness", {200: json_answer("The process answers", ref(Health))},
                                      {}, public=True)},
        "/readyz": {"get": operation("readyz", "Readiness: PostgreSQL and NATS answer", {
            200: json_answer("Ready", ref(Readiness)),
            503: json_answer("Not ready: which dependency is down", ref(Readiness))}, {}, public=True)},
        "/metrics": {"get": operation("metrics", "Prometheus metrics of this process (text exposition format)", {
            200: {"description": "The metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}},
            {}, public=True)},
        "/": {"get": operation("page", "The web page (Data › Fetch history)", {200: _html("HTML")}, {}, public=True)},
        "/docs/": {"get": operation("docsIndex", "The docs pages", {200: _html("HTML")}, {}, public=True)},
        "/docs/{page}": {"get": operation(
            "docsPage", "A docs page: the 720 cap, rate limits, what each source costs, the ledger's states",
            {200: _html("HTML")}, {404: "No such page"}, public=True, parameters=[
                {"name": "page", "in": "path", "required": True, "schema": {"type": "string", "enum": sorted(PAGES)}}])},
        "/static/{file}": {"get": operation("staticFile", "The page's script, style sheet and markup", {200: {
            "description": "The file", "content": {t: {"schema": {"type": "string"}} for t in types}}},
            {404: "No such file"}, public=True, parameters=[
                {"name": "file", "in": "path", "required": True, "schema": {"type": "string", "enum": files}}])},
    }


def paths() -> dict:
    return {**_metadata(), **_public()}
