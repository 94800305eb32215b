"""What the demo prints: progress lines from the SSE stream, then a summary of the finished job."""

from __future__ import annotations

import json

import aiohttp


async def follow_progress(http: aiohttp.ClientSession, api: str, job_id: str) -> str:
    """Prints each event as one line and returns the terminal event's type."""
    last_type = ""
    async with http.get(f"{api}/api/data-jobs/{job_id}/events") as resp:
        async for raw in resp.content:
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            last_type, data = event["type"], event["data"]
            text = data.get("text") or data.get("error") or ""
            if event["type"] == "job.progress":
                text = f"{100 * data.get('progress', 0):.0f}% fetched up to {data.get('last_timestamp')}"
            elif event["type"] == "batch.written":
                text = f"{data['rows']} candles written ({data['start_timestamp']} .. {data['end_timestamp']})"
            print(f"  [{event['seq']:>3}] {event['type']:<14} {text}", flush=True)
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
