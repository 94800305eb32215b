"""One payload of every job event type, filled as its producer fills it."""

from __future__ import annotations

import uuid

from shared.jobs.events import payloads as p
from shared.jobs.events import validation as v
from shared.jobs.events.catalog import EventPayload
from shared.jobs.events.results import JobResult

SEAM = {"compared": 3, "matched": 2, "differing": 1, "max_rel_diff": 0.01,
        "differences": [{"ts": "2026-01-01T04:00:00Z", "fields": {"high": {"ours": 1.01, "theirs": 1.0}}}]}
GAP = {"start_timestamp": "2026-01-01T00:00:00Z", "end_timestamp": "2026-01-02T00:00:00Z",
       "reason": "older than Kraken's OHLC window"}
RESULT = JobResult(rows=24, start_timestamp="2026-01-01T00:00:00Z", end_timestamp="2026-01-01T23:00:00Z",
                   artifacts=[{"path": "file:///lake/year=2026/part-0.parquet"}], not_fetched=[GAP],
                   exchange_calls=2, comparisons={"with_stored": SEAM, "with_kraken_ohlc": {"1h": SEAM}})
CHILD, VALIDATION = uuid.uuid4(), uuid.uuid4()
SEGMENT = {"kind": "rest", "start_timestamp": "2026-01-01T00:00:00Z", "end_timestamp": "2026-01-02T00:00:00Z",
           "calls": 1, "rows": 24, "seconds": 1.2, "dump": None, "member": None, "note": ""}

SAMPLES: list[EventPayload] = [
    p.JobQueued(request={"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h"}),
    p.JobStarted(worker="fetcher"),
    p.JobStarted(worker="rebuilder", resumed=True),
    p.JobProgress(progress=0.5, last_timestamp="2026-01-01T12:00:00Z", segment="rest"),
    p.JobProgress(progress=0.25, last_timestamp="2026-01-01T06:00:00Z", trades=1000, calls=3, dump_trades=900),
    p.JobMessage(text="Plan: 1 segment(s) (rest)", level="info"),
    p.JobPlanned(segments=[SEGMENT], totals={"calls": 1, "rows": 24, "seconds": 1.2, "by_kind": {}},
               segments_raw=[{"kind": "rest", "start_ms": 0, "end_ms": 86_400_000}]),
    p.JobFetched(batch_ids=["rest:1h:0:82800000"], children=[str(CHILD)], rows=24, no_trade_intervals=1,
               not_fetched=[GAP], exchange_calls=2, failed_calls=1),
    p.JobFetched(batch_ids=["trades:1m:0:60000"], trades=1000, exchange_calls=3, dump_trades=900,
               comparisons={"1m": SEAM}, dump_comparisons={"1m": SEAM}, trade_files=["file:///t.parquet"],
               trades_written=1000),
    p.BatchWritten(batch_id="rest:1h:0:82800000", rows=24, source="rest", timeframe="1h",
                 start_timestamp="2026-01-01T00:00:00Z", end_timestamp="2026-01-01T23:00:00Z",
                 partitions=[{"year": 2026, "rows": 24, "artifact": "file:///lake/p.parquet", "changed": True}],
                 comparison=SEAM),
    p.BatchWritten(batch_id="trades:1m:empty:0:60000", rows=0, source="trades", timeframe="1m", partitions=[]),
    p.JobCompleted(result=RESULT),
    p.JobFailed(error="kraken said no"),
    p.JobCancelled(),
    p.JobResumed(resumed_from=uuid.uuid4(), resumed_by=uuid.uuid4()),
    p.ChildCompleted(child_id=CHILD, status="completed", result=RESULT),
    p.ChildEnded(child_id=CHILD, status="failed", result=JobResult()),
    p.ChildProgress(child_id=CHILD, status="running", progress=0.35),
    p.ChildrenPlanned(children=[p.BatchChild(
        id=CHILD, key="fetch:BTC/USD:1m:0:86400000", job_type="fetch", symbol="BTC/USD", timeframes=["1m"],
        start_timestamp="2026-01-01T00:00:00Z", end_timestamp="2026-01-02T00:00:00Z", calls=1, rows=1440,
        seconds=1.2, weight=2, trades_covered=[("2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z")])],
        totals={"children": 1, "by_job_type": {"fetch": 1}, "calls": 1, "rows": 1440, "seconds": 1.2}),
    v.ValidationQueued(validation_id=VALIDATION, timeframes=["1h"]),
    v.ValidationStarted(validation_id=VALIDATION, timeframes=["1h"]),
    v.ValidationCompleted(validation_id=VALIDATION, ok=True, reports={"1h": {"ok": True, "rows": 24, "failed": {}}}),
    v.ValidationFailed(validation_id=VALIDATION, error="the lake is not readable"),
    v.ValidationFailed(validation_id=VALIDATION, error="could not queue the validation", timeframes=["1h"]),
]
