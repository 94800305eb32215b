"""Each API call as data: the request (method, path, query, body) and how its answer is read. The sync
and the async client send the same operations, so what a call means is written once, here, and can be
checked without a server."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, Literal, TypeVar

import polars as pl
from pydantic import TypeAdapter

from candles_client.models import (
    CoverageRow,
    DatasetCreated,
    DatasetPage,
    DatasetView,
    Deleted,
    JobCreated,
    JobSummary,
    JobView,
    Plan,
    Verification,
)

T = TypeVar("T")
Moment = datetime | date | str
Format = Literal["parquet", "csv", "json"]


@dataclass(frozen=True)
class Operation(Generic[T]):
    method: str
    path: str
    read: Callable[[bytes], T]
    params: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None


def iso(moment: Moment) -> str:
    """A moment as the API takes it (ISO 8601, UTC, to the second). A date is its midnight UTC, a naive
    datetime is UTC, and a string is read as either."""
    if isinstance(moment, str):
        text = moment.strip().replace("Z", "+00:00")
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _model(model: type[T]) -> Callable[[bytes], T]:
    adapter = TypeAdapter(model)
    return adapter.validate_json


def _names(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def job_body(exchange: str, symbol: str | Sequence[str], timeframe: str | Sequence[str], start: Moment | None,
             end: Moment | None, *, full_history: bool = False, seed_from_zip: bool = True,
             confirm: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """POST /api/data-jobs: one market and timeframe, or several (a batch: `symbols` in place of
    `symbol`, `timeframes` in place of `timeframe`)."""
    body: dict[str, Any] = {"exchange": exchange}
    for one, many, names in (("symbol", "symbols", _names(symbol)), ("timeframe", "timeframes", _names(timeframe))):
        body.update({many: names} if len(names) > 1 else {one: names[0]})
    if start is not None:
        body["start_timestamp"] = iso(start)
    if end is not None:
        body["end_timestamp"] = iso(end)
    options = {"full_history": full_history, "seed_from_zip": seed_from_zip, "confirm": confirm, "dry_run": dry_run}
    body["options"] = {k: v for k, v in options.items() if v != (k == "seed_from_zip")}  # only what differs
    return body


def plan(*args: Any, **kwargs: Any) -> Operation[Plan]:
    return Operation("POST", "/api/data-jobs", _model(Plan), json=job_body(*args, **kwargs, dry_run=True))


def submit(*args: Any, **kwargs: Any) -> Operation[JobCreated]:
    return Operation("POST", "/api/data-jobs", _model(JobCreated), json=job_body(*args, **kwargs))


def job(job_id: str) -> Operation[JobView]:
    return Operation("GET", f"/api/data-jobs/{job_id}", _model(JobView))


def jobs(limit: int = 50) -> Operation[list[JobSummary]]:
    return Operation("GET", "/api/data-jobs", _model(list[JobSummary]), params={"limit": str(limit)})


def action(job_id: str, name: Literal["cancel", "resume", "validate"]) -> Operation[dict[str, Any]]:
    return Operation("POST", f"/api/data-jobs/{job_id}/actions", _model(dict[str, Any]), json={"action": name})


def coverage(exchange: str, symbol: str | None = None, timeframe: str | None = None) -> Operation[list[CoverageRow]]:
    params = {k: v for k, v in {"exchange": exchange, "symbol": symbol, "timeframe": timeframe}.items() if v}
    return Operation("GET", "/api/data-coverage", _model(list[CoverageRow]), params=params)


def candles_params(exchange: str, symbol: str, timeframe: str, start: Moment | None, end: Moment | None,
                   fmt: Format) -> dict[str, str]:
    params = {"exchange": exchange, "symbol": symbol, "timeframe": timeframe, "format": fmt}
    params |= {k: iso(v) for k, v in (("start", start), ("end", end)) if v is not None}
    return params


def candles(exchange: str, symbol: str, timeframe: str, start: Moment | None = None,
            end: Moment | None = None) -> Operation[pl.DataFrame]:
    return Operation("GET", "/api/candles", lambda data: pl.read_parquet(io.BytesIO(data)),
                     params=candles_params(exchange, symbol, timeframe, start, end, "parquet"))


def events_path(job_id: str) -> str:
    return f"/api/data-jobs/{job_id}/events"


def job_candles_path(job_id: str) -> str:
    return f"/api/data-jobs/{job_id}/candles"


def dataset_create(name: str, exchange: str, symbols: Sequence[str], timeframes: Sequence[str], start: Moment,
                   end: Moment, *, empty_buckets: Literal["sparse", "fill"] = "sparse",
                   require: Literal["complete", "any"] = "complete") -> Operation[DatasetCreated]:
    body = {"name": name, "exchange": exchange, "symbols": list(symbols), "timeframes": list(timeframes),
            "start_timestamp": iso(start), "end_timestamp": iso(end),
            "options": {"empty_buckets": empty_buckets, "require": require}}
    return Operation("POST", "/api/datasets", _model(DatasetCreated), json=body)


def dataset_list(limit: int = 50, before: str | None = None) -> Operation[DatasetPage]:
    params = {"limit": str(limit), **({"before": before} if before else {})}
    return Operation("GET", "/api/datasets", _model(DatasetPage), params=params)


def dataset_show(dataset_id: str) -> Operation[DatasetView]:
    return Operation("GET", f"/api/datasets/{dataset_id}", _model(DatasetView))


def dataset_verify(dataset_id: str) -> Operation[Verification]:
    return Operation("POST", f"/api/datasets/{dataset_id}/verify", _model(Verification), json={})


def dataset_delete(dataset_id: str) -> Operation[Deleted]:
    return Operation("DELETE", f"/api/datasets/{dataset_id}", _model(Deleted), json={})


def dataset_file_path(dataset_id: str, name: str) -> str:
    return f"/api/datasets/{dataset_id}/files/{name}"


def dataset_manifest_path(dataset_id: str) -> str:
    return f"/api/datasets/{dataset_id}/manifest.json"
