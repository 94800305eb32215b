"""A small client of the HTTP API for tests: submit, follow the SSE stream, act on a job, read the lake."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pyarrow.dataset as ds


async def submit(api: str, payload: dict) -> dict:
    async with aiohttp.ClientSession() as http, http.post(f"{api}/api/data-jobs", json=payload) as resp:
        body = await resp.json()
        assert resp.status == 201, body
        return body


async def get_json(api: str, path: str) -> dict | list:
    async with aiohttp.ClientSession() as http, http.get(f"{api}{path}") as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def follow(api: str, job_id: str, on_event=None, last_event_id: int | None = None) -> list[dict]:
    """Reads the job's SSE stream to its end (the terminal event) and returns the events."""
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id else {}
    events: list[dict] = []
    timeout = aiohttp.ClientTimeout(total=240)
    async with aiohttp.ClientSession(timeout=timeout) as http, \
            http.get(f"{api}/api/data-jobs/{job_id}/events", headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        async for raw in resp.content:
            line = raw.decode().strip()
            if line.startswith("data:"):
                event = json.loads(line[5:])
                events.append(event)
                if on_event is not None:
                    await on_event(event)
    return events


async def run_job(api: str, payload: dict, on_event=None) -> tuple[dict, list[dict]]:
    """Submits a job, follows it to its end, and returns its view and its events."""
    job = await submit(api, payload)
    events = await follow(api, job["id"], on_event=on_event)
    return await get_json(api, f"/api/data-jobs/{job['id']}"), events


async def act(api: str, job_id: str, action: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.post(f"{api}/api/data-jobs/{job_id}/actions",
                                                          json={"action": action}) as resp:
        return resp.status, await resp.json()


async def validated(api: str, job_id: str) -> dict:
    """Runs the validation of an hourly job and waits for its outcome."""
    status, body = await act(api, job_id, "validate")
    assert status == 202 and body["status"] == "queued" and body["timeframes"] == ["1h"], body
    for _ in range(200):
        view = await get_json(api, f"/api/data-jobs/{job_id}")
        validation = view["validation"]
        if validation["validation_id"] == body["validation_id"] and validation["status"] == "completed":
            return validation
        await asyncio.sleep(0.1)
    raise AssertionError(f"the validation never completed: {view}")


def lake_rows(lake: Path, symbol: str, timeframe: str) -> list[dict]:
    folder = lake / "candles" / "exchange=kraken" / f"symbol={symbol.replace('/', '-')}" / f"timeframe={timeframe}"
    if not folder.exists():
        return []
    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    rows = table.drop_columns([c for c in table.column_names if c == "year"]).to_pylist()
    return sorted(rows, key=lambda r: r["ts"])


async def ledger_listing(api: str, symbol: str, timeframe: str, exchange: str = "kraken") -> list[dict]:
    """The coverage ledger's whole listing of one timeframe, every page of it."""
    (row,) = await get_json(api, f"/api/data-coverage?exchange={exchange}&symbol={symbol}&timeframe={timeframe}")
    url, intervals = row["intervals_url"], []
    while url:
        page = await get_json(api, url)
        intervals += page["intervals"]
        url = page["next"]
    return intervals
