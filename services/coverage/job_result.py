"""A job's result, from the producer's job.fetched, the batches written and the children's results."""

from __future__ import annotations

from shared.jobs.events.payloads import JobFetched
from shared.jobs.events.results import Artifact, JobResult, ResultComparisons
from shared.lake.comparison import add_comparisons


def _per_timeframe(own: dict, children: list[dict]) -> dict:
    """A job's reports per timeframe, each summed with its children's."""
    out = dict(own)
    for reports in children:
        for tf, report in reports.items():
            out[tf] = add_comparisons(out.get(tf), report)
    return out


def job_result(fetched: JobFetched, batches: list[dict], children_told: dict[str, dict | None],
               plan: dict | None, states: dict[str, tuple[str, float]]) -> JobResult:
    """`batches` as the view keeps them (rows, start, end, artifacts, comparison), each child's result
    by id (None while it runs), and each child's status and progress as last heard."""
    told = {k: None if c is None else JobResult.model_validate(c) for k, c in children_told.items()}
    children = [c for c in told.values() if c is not None]
    starts = [b["start"] for b in batches if b["start"]] + [c.start_timestamp for c in children if c.start_timestamp]
    ends = [b["end"] for b in batches if b["end"]] + [c.end_timestamp for c in children if c.end_timestamp]
    artifacts = sorted({a for b in batches for a in b["artifacts"]} | {a.path for c in children for a in c.artifacts})
    # Three kinds of check: candles that met a stored candle of another source (every seam), and
    # rebuilt candles held against Kraken's own OHLC answer and its OHLCVT dump (the rebuilder reports
    # those per timeframe).
    with_stored = None
    for report in [b["comparison"] for b in batches] + [c.comparisons.with_stored for c in children]:
        if report:
            with_stored = add_comparisons(with_stored, report)
    return JobResult(
        rows=sum(b["rows"] for b in batches) + sum(c.rows for c in children),
        start_timestamp=min(starts) if starts else None,
        end_timestamp=max(ends) if ends else None,
        artifacts=[Artifact(path=a) for a in artifacts],
        not_fetched=fetched.not_fetched,
        no_trade_intervals=fetched.no_trade_intervals,
        exchange_calls=fetched.exchange_calls + sum(c.exchange_calls for c in children),
        comparisons=ResultComparisons(
            with_stored=with_stored,
            with_kraken_ohlc=_per_timeframe(fetched.comparisons, [c.comparisons.with_kraken_ohlc for c in children]),
            with_ohlcvt_dump=_per_timeframe(fetched.dump_comparisons,
                                            [c.comparisons.with_ohlcvt_dump for c in children])),
        plan=plan,
        children=[_child(k, c, states.get(k, ("queued", 0.0))) for k, c in told.items()],
    )


def _child(child_id: str, result: JobResult | None, state: tuple[str, float]) -> dict:
    """A child rebuild in its parent's result: its rows once completed, else how far it got and how it
    ended (a parent cancelled hears its children end after it)."""
    if result is not None:
        return {"id": child_id, "status": "completed", "progress": 1.0, "rows": result.rows}
    return {"id": child_id, "status": state[0], "progress": round(state[1], 4)}
