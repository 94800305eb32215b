"""A client going away is not an error: a browser tab closed while its event stream is open used to log
`request.failed` at level error, with a traceback, when the stream next wrote to it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import aiohttp
import pytest
import structlog
from aiohttp import web

from services.api.app import create_app
from services.api.state import EVENTS
from services.launcher.embedded import free_port, start_nats
from shared.jobs.events.payloads import JobMessage
from shared.platform.settings import Settings
from tests.integration.servers import fresh_database

pytestmark = pytest.mark.integration


@dataclass
class Api:
    app: web.Application
    url: str
    port: int


@pytest.fixture
async def api(tmp_path):
    """An API with no workers behind it (a job it queues stays open, and so does its stream), served as
    `python -m services.api` serves it: aiohttp's test server would cancel a handler whose client left,
    which production does not."""
    nats_proc, nats_url = start_nats(tmp_path / "nats")
    async with fresh_database() as database_url:
        settings = Settings(database_url=database_url, nats_url=nats_url, storage_url=(tmp_path / "lake").as_uri())
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield Api(runner.app, f"http://127.0.0.1:{port}", port)
        finally:
            await runner.cleanup()
            nats_proc.terminate()


async def _open_stream(api: Api, job_id: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
    writer.write(f"GET /api/data-jobs/{job_id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 200"), head
    await asyncio.wait_for(reader.readuntil(b"event: job.queued"), 10)
    return reader, writer


async def test_a_stream_whose_client_left_ends_without_an_error(api, caplog):
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    async with aiohttp.ClientSession() as http:
        created = await http.post(f"{api.url}/api/data-jobs", json={
            "exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h", "start_timestamp": start.isoformat(),
            "end_timestamp": (start + timedelta(days=1)).isoformat()})
        job_id = (await created.json())["id"]
    _, writer = await _open_stream(api, job_id)
    writer.transport.abort()  # the tab is closed: no goodbye

    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs:
        for n in range(5):  # the stream writes to the gone client, and notices
            await api.app[EVENTS].emit(UUID(job_id), JobMessage(text=f"still going {n}", level="info"))
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)
    errors = [entry for entry in logs if entry["log_level"] in ("error", "critical")]
    assert errors == []
    assert [entry["event"] for entry in logs if entry["log_level"] == "info"] == ["request.client_gone"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
