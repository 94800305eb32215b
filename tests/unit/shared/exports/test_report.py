"""The quality report's pure parts: the ledger over a range with its holes, the validation summary, and
the report as Parquet metadata read back by pyarrow."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from shared.exports.report import (
    METADATA_KEY,
    QualityReport,
    Span,
    ledger_spans,
    parquet_metadata,
    validation_summary,
)
from shared.ledger.intervals import Interval

H = 3_600_000
T0 = 1_700_000_000_000 // H * H


def test_an_empty_ledger_is_one_missing_span():
    spans = ledger_spans([], T0, T0 + 5 * H)
    assert [(s.state, s.source) for s in spans] == [("missing", None)]


def test_holes_and_edges_of_the_ledger_are_missing_and_intervals_are_clipped():
    known = [Interval(T0 - H, T0 + 2 * H, "data", "zip"), Interval(T0 + 3 * H, T0 + 4 * H, "no_trades", "trades")]
    spans = ledger_spans(known, T0, T0 + 6 * H)
    assert [(s.state, s.source) for s in spans] == [
        ("data", "zip"), ("missing", None), ("no_trades", "trades"), ("missing", None)]
    assert spans[0].start == "2023-11-14T22:00:00Z" and spans[-1].end == "2023-11-15T04:00:00Z"


def test_validation_summary_says_whether_the_latest_validation_covered_the_range():
    latest = {"status": "completed", "updated_at": "2026-11-20T00:00:00Z", "reports": {"1h": {
        "ok": False, "rows": 10, "start_timestamp": "2026-11-01T00:00:00Z", "end_timestamp": "2026-11-10T00:00:00Z",
        "failed": {"vwap": 1}, "problems": [{"ts": "2026-11-02T00:00:00Z", "check": "vwap"}]}}}
    inside = validation_summary(datetime(2026, 11, 19, tzinfo=UTC), "j", latest, "1h",
                                "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z")
    assert inside.covers_range and inside.ok is False and inside.failed == {"vwap": 1}
    assert inside.validated_at == "2026-11-19T00:00:00Z"
    wider = validation_summary(None, "j", latest, "1h", "2026-10-01T00:00:00Z", "2026-11-03T00:00:00Z")
    assert not wider.covers_range
    never = validation_summary(None, None, None, "1h", "2026-10-01T00:00:00Z", "2026-11-03T00:00:00Z")
    assert never.ok is None and never.validated_at is None and not never.covers_range


def test_the_report_rides_in_parquet_metadata():
    spans = ledger_spans([Interval(T0, T0 + H, "data", "rest")], T0, T0 + 2 * H)
    report = QualityReport(exchange="kraken", symbol="BTC/USD", timeframe="1h", start="a", end="b",
                           validation=validation_summary(None, None, None, "1h", "a", "b"), intervals=spans,
                           missing=[Span(start=spans[1].start, end=spans[1].end)], complete=False)
    table = pa.table({"x": [1]})
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(parquet_metadata(report)), sink)
    meta = pq.read_schema(io.BytesIO(sink.getvalue())).metadata
    read = QualityReport.model_validate(orjson.loads(meta[METADATA_KEY]))
    assert read == report and read.conventions.ts.startswith("the candle's open time, UTC")
