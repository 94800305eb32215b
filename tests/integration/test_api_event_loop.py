"""The API's event loop never blocks: while a 2.6M-row CSV download is encoded, other requests are
answered as quickly as ever (p99 of GET /api/data-jobs/{id} under 50 ms)."""

from __future__ import annotations

import asyncio
import time
import urllib.request
import uuid
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.api.app import create_app
from services.api.state import POOL
from services.launcher.embedded import start_nats
from shared.lake.layout import partition_key
from shared.lake.schema import SCHEMA, to_parquet
from shared.lake.storage import LocalStorage
from shared.lake.timeframes import to_ms
from shared.platform.settings import Settings
from tests.integration.servers import fresh_database

pytestmark = pytest.mark.integration
START, END = datetime(2019, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
MINUTE_MS = 60_000


def _year_of_minutes(year: int) -> pa.Table:
    lo, hi = to_ms(datetime(year, 1, 1, tzinfo=UTC)), to_ms(datetime(year + 1, 1, 1, tzinfo=UTC))
    ts = np.arange(lo, hi, MINUTE_MS, dtype=np.int64)
    price = 30_000 + np.sin(ts / 3.6e6) * 100
    n = len(ts)
    return pa.table({
        "ts": pa.array(ts).cast(pa.timestamp("ms", tz="UTC")), "open": price, "high": price + 5,
        "low": price - 5, "close": price + 1, "volume": np.full(n, 0.5), "vwap": price,
        "trades": np.full(n, 3, dtype=np.int64), "source": pa.array(["zip"] * n),
    }).cast(SCHEMA)


@pytest.fixture
async def api_with_a_large_job(tmp_path):
    storage = LocalStorage(tmp_path / "lake")
    rows = 0
    for year in range(START.year, END.year):
        table = _year_of_minutes(year)
        rows += table.num_rows
        await storage.write_atomic(partition_key("kraken", "BTC/USD", "1m", year), to_parquet(table))
    nats_proc, nats_url = start_nats(tmp_path / "nats")
    async with fresh_database() as database_url:
        app = create_app(Settings(database_url=database_url, nats_url=nats_url, metrics_port=0,
                                  storage_url=(tmp_path / "lake").as_uri()))
        client = TestClient(TestServer(app))
        await client.start_server()
        job_id = uuid.uuid4()
        await app[POOL].execute(
            "INSERT INTO data_jobs (id, job_type, exchange, symbol, timeframe, start_ts, end_ts, status)"
            " VALUES ($1, 'fetch', 'kraken', 'BTC/USD', '1m', $2, $3, 'completed')", job_id, START, END)
        try:
            yield client, job_id, rows
        finally:
            await client.close()
            nats_proc.terminate()


async def test_other_requests_stay_fast_during_a_large_csv_download(api_with_a_large_job):
    client, job_id, rows = api_with_a_large_job
    assert rows >= 2_600_000
    downloading = True
    latencies: list[float] = []

    def read_download() -> int:
        # In a thread of its own, as a client elsewhere would: the loop measured is the server's.
        url = f"http://127.0.0.1:{client.server.port}/api/data-jobs/{job_id}/candles?format=csv"
        lines = 0
        with urllib.request.urlopen(url, timeout=120) as resp:
            assert resp.status == 200
            while chunk := resp.read(1 << 20):
                lines += chunk.count(b"\n")
        return lines

    async def download() -> int:
        nonlocal downloading
        try:
            return await asyncio.to_thread(read_download)
        finally:
            downloading = False

    async def probe() -> None:
        while downloading:
            began = time.perf_counter()
            resp = await client.get(f"/api/data-jobs/{job_id}")
            assert resp.status == 200
            await resp.read()
            latencies.append(time.perf_counter() - began)
            await asyncio.sleep(0.01)

    lines, _ = await asyncio.gather(download(), probe())
    assert lines == rows + 1  # the header
    p99 = float(np.percentile(latencies, 99)) * 1000
    print(f"GET /api/data-jobs/{{id}} during a {rows:,}-row CSV download: {len(latencies)} requests,"
          f" p50 {np.percentile(latencies, 50) * 1000:.1f} ms, p99 {p99:.1f} ms, max {max(latencies) * 1000:.1f} ms")
    assert len(latencies) >= 20
    assert p99 < 50, f"p99 {p99:.1f} ms"
