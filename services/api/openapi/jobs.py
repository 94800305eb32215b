"""The job routes as OpenAPI operations: submit and list (/api/data-jobs), and one job's view, event
stream, actions and candles, each with every status its handler can answer."""

from __future__ import annotations

from services.api.actions import ActionRequest
from services.api.openapi.parts import (
    JOB_ID,
    LAST_EVENT_ID,
    any_of,
    array,
    body,
    event_stream,
    json_answer,
    operation,
    query,
    ref,
)
from services.api.params import CandlesQuery, EventsQuery, JobsQuery, TimeframeQuery
from services.api.requests import JobRequest
from services.api.responses.actions import Cancelled, Downloads, ValidationAsked
from services.api.responses.jobs import JobCreated, JobSummary, JobView
from services.api.responses.plans import FetchDryRun, RebuildDryRun
from shared.exports.report import QualityReport
from shared.jobs.asyncapi import typed_envelopes
from shared.jobs.events.catalog import type_name

# Per event type, the model of its events as the stream sends them (`data:`).
ENVELOPES = {type_name(payload): envelope for payload, envelope in typed_envelopes().items()}
RANGE = {"exchange": "kraken", "symbol": "BTC/USD", "start_timestamp": "2026-11-10T00:00:00Z",
         "end_timestamp": "2026-11-20T00:00:00Z"}
# The requests of README's "HTTP API".
EXAMPLES = {
    "fetch": {"summary": "Ten days of hourly candles", "value": {**RANGE, "timeframe": "1h"}},
    "dryRun": {"summary": "The plan only", "value": {**RANGE, "timeframe": "1m", "options": {"dry_run": True}}},
    "refresh": {"summary": "From where the stored data ends up to now",
                "value": {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m", "options": {"refresh": True}}},
    "rebuild": {"summary": "A rebuild from trades, several timeframes in one pass", "value": {
        "job_type": "trade_rebuild", "exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m",
        "start_timestamp": "2026-11-20T00:00:00Z", "end_timestamp": "2026-11-20T06:00:00Z",
        "options": {"timeframes": ["5m", "1h"], "empty_buckets": "sparse", "include_trades": True}}},
}
DEDUPLICATED = "the identical job already queued or running (`deduplicated`)"
CANDLES = {"application/vnd.apache.parquet": {"schema": {"contentMediaType": "application/vnd.apache.parquet"}},
           "text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}}}
NO_TIMEFRAME = "No such job, or no candles of that timeframe: one the job did not store"
QUALITY_LINK = {"description": 'the sidecar quality report: `<…/quality.json?timeframe=…>; rel="describedby"`',
                "required": True, "schema": {"type": "string"}}


def _links() -> dict:
    follow = {"id": "$response.body#/id"}
    return {"links": {"GetJob": {"operationId": "getJob", "parameters": follow},
                      "ActOnJob": {"operationId": "actOnJob", "parameters": follow},
                      "FollowJobEvents": {"operationId": "getJobEvents", "parameters": follow}}}


def _created(description: str) -> dict:
    return json_answer(description, ref(JobCreated), headers={"Location": {
        "description": "the job's URL", "required": True, "schema": {"type": "string"}}}, **_links())


def _jobs() -> dict:
    return {
        "post": operation("createJob", "Submit a job (fetch, or trade_rebuild)", {
            200: json_answer(f"options.dry_run: the plan or the estimate, and nothing is created; or {DEDUPLICATED}",
                             any_of(FetchDryRun, RebuildDryRun, JobCreated)),
            201: _created("The job is stored and queued")},
            {400: "Malformed JSON, or not an object", 422: None, 429: None,
             503: "Kraken (to plan the job) or the job queue (NATS) is not reachable"},
            write=True, requestBody=body(JobRequest, EXAMPLES)),
        "get": operation("listJobs", "Recent jobs, newest first", {200: json_answer("Jobs", array(JobSummary))},
                         {400: None}, parameters=query(JobsQuery)),
    }


def _actions() -> dict:
    return operation(
        "actOnJob", "validate what the job stored (202; follow the job's `validation`), resume a failed or"
                    " cancelled job (201, a new job), download (links to its candles), or cancel it", {
            200: json_answer(f"download: the links; cancel: done, with its child rebuilds; resume: {DEDUPLICATED}",
                             any_of(Downloads, Cancelled, JobCreated)),
            201: _created("resume: the new job"),
            202: json_answer("validate: queued", ref(ValidationAsked))},
        {400: None, 404: None, 409: "validate: the job has not ended, or a validation of it is running; resume: it"
                                    " neither failed nor was cancelled, or it is a child; cancel: it has ended",
         422: "resume: the request is no longer accepted", 429: None, 503: None},
        write=True, parameters=[JOB_ID], requestBody=body(ActionRequest))


def paths() -> dict:
    return {
        "/api/data-jobs": _jobs(),
        "/api/data-jobs/{id}": {"get": operation(
            "getJob", "A job's status, progress, details, result and validation",
            {200: json_answer("The job", ref(JobView), links={"GetJobCandles": {"operationId": "getJobCandles",
             "parameters": {"id": "$response.body#/id", "timeframe": "$response.body#/timeframe"}}})},
            {400: "The id is not a UUID", 404: None}, parameters=[JOB_ID])},
        "/api/data-jobs/{id}/events": {"get": operation(
            "getJobEvents", "The job's events as Server-Sent Events: the stored ones after Last-Event-ID (or"
                            " `after`), then live ones; the stream ends after the job's terminal event",
            {200: {"description": "The events (`data`: the *Event schemas, as in /api/asyncapi.json)",
                   "content": {"text/event-stream": {"schema": event_stream(ENVELOPES)}}}},
            {400: None, 404: None, 429: "Too many event streams open"},
            parameters=[JOB_ID, *query(EventsQuery), LAST_EVENT_ID])},
        "/api/data-jobs/{id}/actions": {"post": _actions()},
        "/api/data-jobs/{id}/candles": {"get": operation(
            "getJobCandles", "The candles of the job's range as one file",
            {200: {"description": "The candles, streamed a year partition at a time; a Parquet file carries the"
                                  " quality report in its key-value metadata (`candles.quality`)", "content": CANDLES,
                   "headers": {"Content-Disposition": {"required": True, "schema": {"type": "string"}},
                               "Link": QUALITY_LINK}}},
            {400: None, 404: NO_TIMEFRAME}, parameters=[JOB_ID, *query(CandlesQuery)])},
        "/api/data-jobs/{id}/candles/quality.json": {"get": operation(
            "getJobCandlesQuality", "The quality report of the job's candles: conventions, the validation summary"
                                    " and the coverage ledger's intervals over the job's range",
            {200: json_answer("The report (the sidecar of a download, the only one a CSV has)", ref(QualityReport))},
            {400: None, 404: NO_TIMEFRAME}, parameters=[JOB_ID, *query(TimeframeQuery)])},
    }
