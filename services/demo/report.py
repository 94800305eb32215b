"""What the demo prints: progress lines from the SSE stream, then a summary of the finished job."""

from __future__ import annotations

import aiohttp

from shared.jobs.events.catalog import EventPayload
from shared.jobs.events.envelope import JobEvent
from shared.jobs.events.payloads import BatchWritten, JobFailed, JobMessage, JobProgress
from shared.jobs.events.validation import ValidationFailed


def line_of(payload: EventPayload) -> str:
    match payload:
        case JobProgress():
            return f"{100 * payload.progress:.0f}% fetched up to {payload.last_timestamp}"
        case BatchWritten():
            return f"{payload.rows} candles written ({payload.start_timestamp} .. {payload.end_timestamp})"
        case JobMessage():
            return payload.text
        case JobFailed() | ValidationFailed():
            return payload.error
    return ""


async def follow_progress(http: aiohttp.ClientSession, api: str, job_id: str) -> str:
    """Prints each event as one line and returns the terminal event's type."""
    last_type = ""
    async with http.get(f"{api}/api/data-jobs/{job_id}/events") as resp:
        async for raw in resp.content:
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            event = JobEvent.model_validate_json(line[5:])
            last_type = event.type
            print(f"  [{event.seq:>3}] {event.type:<14} {line_of(event.data)}", flush=True)
    return last_type


def summary(job: dict) -> str:
    result = job["result"]
    lines = [
        f"job {job['id']}: {job['status']}",
        f"  {job['exchange']} {job['symbol']} {job['timeframe']}, asked {job['start_timestamp']} .. {job['end_timestamp']}",
        f"  rows:   {result['rows']}",
        f"  start:  {result['start_timestamp']}",
        f"  end:    {result['end_timestamp']} (open time of the last candle)",
        "  files:",
        *[f"    {a['path']}" for a in result["artifacts"]],
    ]
    lines += [f"  not fetched: {g['start_timestamp']} .. {g['end_timestamp']}: {g['reason']}"
              for g in result.get("not_fetched", [])]
    if job.get("error"):
        lines.append(f"  error: {job['error']}")
    return "\n".join(lines)
