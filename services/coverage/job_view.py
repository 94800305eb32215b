"""Pure projection of a job's events into the job view the API serves (README, "HTTP API")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.jobs.events import JobEvent
from shared.jobs.lifecycle import COMPLETED, TERMINAL_STATUSES, next_status
from shared.lake.comparison import add_comparisons

MAX_MESSAGES = 50
VALIDATION_STATUS = {"validation.queued": "queued", "validation.started": "running",
                     "validation.completed": "completed", "validation.failed": "failed"}
# The fetch share of progress; the rest is the writer catching up.
FETCH_SHARE = 0.95


@dataclass
class JobView:
    status: str
    progress: float
    details: dict[str, Any]
    result: dict[str, Any]
    error: str | None
    tracking: dict[str, Any]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # Timeframes whose stored candles changed: a rebuild writes several, each with its coverage row.
    coverage_changed: set[str] = field(default_factory=set, compare=False)


def _written(view: JobView) -> dict[str, dict]:
    return view.tracking.setdefault("written", {})


def _expected(view: JobView) -> list[str] | None:
    return view.tracking.get("expected")


def _children(view: JobView) -> dict[str, dict | None]:
    return view.tracking.setdefault("children", {})


def writes_done(view: JobView) -> bool:
    """The producer has finished, the writer has written every batch it announced, and every child
    job the plan spawned has completed."""
    expected = _expected(view)
    return (expected is not None and set(expected) <= set(_written(view))
            and all(c is not None for c in _children(view).values()))


def _units(view: JobView) -> tuple[int, int]:
    expected, children = _expected(view) or [], _children(view)
    done = sum(1 for b in expected if b in _written(view)) + sum(1 for c in children.values() if c is not None)
    return done, len(expected) + len(children)


def _per_timeframe(own: dict | None, children: list[dict | None]) -> dict:
    """A job's reports per timeframe, each summed with its children's."""
    out = dict(own or {})
    for reports in children:
        for tf, report in (reports or {}).items():
            out[tf] = add_comparisons(out.get(tf), report)
    return out


def _result(view: JobView, fetched: dict) -> dict:
    batches = [_written(view)[b] for b in _expected(view) or [] if b in _written(view)]
    starts = [b["start"] for b in batches if b["start"]]
    ends = [b["end"] for b in batches if b["end"]]
    children = [c for c in _children(view).values() if c is not None]
    starts += [c["start_timestamp"] for c in children if c.get("start_timestamp")]
    ends += [c["end_timestamp"] for c in children if c.get("end_timestamp")]
    artifacts = sorted({a for b in batches for a in b["artifacts"]} | {a["path"] for c in children
                                                                     for a in c.get("artifacts", [])})
    # Three kinds of check: candles that met a stored candle of another source (every seam), and
    # rebuilt candles held against Kraken's own OHLC answer and its OHLCVT dump (the rebuilder reports
    # those per timeframe).
    child_checks = [c.get("comparisons") or {} for c in children]
    with_stored = None
    for report in [b.get("comparison") for b in batches] + [c.get("with_stored") for c in child_checks]:
        if report:
            with_stored = add_comparisons(with_stored, report)
    with_ohlc = _per_timeframe(fetched.get("comparisons"), [c.get("with_kraken_ohlc") for c in child_checks])
    with_dump = _per_timeframe(fetched.get("dump_comparisons"), [c.get("with_ohlcvt_dump") for c in child_checks])
    return {
        "rows": sum(b["rows"] for b in batches) + sum(c.get("rows", 0) for c in children),
        "start_timestamp": min(starts) if starts else None,
        "end_timestamp": max(ends) if ends else None,  # open time of the last candle
        "artifacts": [{"type": "parquet", "path": a} for a in artifacts],
        "not_fetched": fetched.get("not_fetched", []),
        "no_trade_intervals": fetched.get("no_trade_intervals", 0),
        "exchange_calls": fetched.get("exchange_calls", 0) + sum(c.get("exchange_calls", 0) for c in children),
        "comparisons": {"with_stored": with_stored, "with_kraken_ohlc": with_ohlc, "with_ohlcvt_dump": with_dump},
        "plan": view.tracking.get("plan"),
        "children": [{"id": k, **({"rows": c.get("rows", 0)} if c else {"status": "running"})}
                     for k, c in _children(view).items()],
    }


def apply(view: JobView, event: JobEvent) -> JobView:
    data, kind = event.data, event.type
    view.status = next_status(view.status, kind)
    details = view.details
    if kind == "job.started" and view.started_at is None:
        view.started_at = event.ts
    elif kind == "job.progress":
        view.progress = max(view.progress, FETCH_SHARE * float(data.get("progress", 0.0)))
        if data.get("last_timestamp"):
            details["last_timestamp"] = data["last_timestamp"]
    elif kind == "job.message":
        details["messages"] = (details.get("messages", []) + [data.get("text", "")])[-MAX_MESSAGES:]
    elif kind == "job.planned":
        view.tracking["plan"] = {"segments": data.get("segments", []), "totals": data.get("totals", {})}
    elif kind == "job.fetched":
        view.tracking["expected"] = list(data.get("batch_ids", []))
        view.tracking["fetched"] = data
        for child in data.get("children", []):
            _children(view).setdefault(child, None)
    elif kind == "child.completed":
        _children(view)[data["child_id"]] = data.get("result", {})
    elif kind == "batch.written":
        _written(view)[data["batch_id"]] = {
            "rows": data.get("rows", 0), "start": data.get("start_timestamp"), "end": data.get("end_timestamp"),
            "artifacts": [p["artifact"] for p in data.get("partitions", [])],
            "comparison": data.get("comparison"),
        }
        details["batches_completed"] = len(_written(view))
        if data.get("timeframe"):
            view.coverage_changed.add(data["timeframe"])
    elif kind == "job.failed":
        view.error = data.get("error")
    elif kind in VALIDATION_STATUS:
        # The latest validation asked for, as it goes (an older one finishing later does not replace
        # it); it never changes the job's own status.
        latest = {} if kind == "validation.queued" else details.get("validation") or {}
        if latest.get("validation_id") in (None, data.get("validation_id")):
            details["validation"] = {**latest, **data, "status": VALIDATION_STATUS[kind],
                                     "updated_at": event.ts.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if _expected(view) is not None and view.status not in TERMINAL_STATUSES:
        done, total = _units(view)
        view.progress = FETCH_SHARE + (1 - FETCH_SHARE) * (done / total if total else 1.0)
        view.result = _result(view, view.tracking["fetched"])
    if view.status in TERMINAL_STATUSES and view.finished_at is None:
        view.finished_at = event.ts
        if view.status == COMPLETED:
            view.progress = 1.0
    return view
