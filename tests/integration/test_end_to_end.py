"""One job from HTTP to Parquet, with the five services as separate processes on real PostgreSQL and
real NATS JetStream, against the Kraken simulator."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from shared.jobs.commands import JobCommand
from shared.jobs.events.log import EventLog
from shared.jobs.submission import store_job
from shared.platform.db import create_pool
from tests.integration.candles import stored, truth
from tests.integration.client import follow, get_json, lake_rows, submit
from tests.integration.times import NOW, iso


async def test_fetch_job_end_to_end(system, simulator):
    start, end = NOW - timedelta(days=10), NOW
    calls_before = simulator.stats().get("OHLC", 0)
    job = await submit(system.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h",
                                     "start_timestamp": iso(start), "end_timestamp": iso(end)})
    assert job["status"] == "queued"

    events = await follow(system.api, job["id"])
    types = [e["type"] for e in events]
    assert types[0] == "job.queued" and types[-1] == "job.completed", types
    assert {"job.started", "job.fetched", "batch.written"} <= set(types)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))

    expected = truth(simulator, "BTC/USD", 60, start, end)
    assert len(expected) > 200
    rows = lake_rows(system.lake, "BTC/USD", "1h")
    assert stored(rows) == expected
    assert {r["source"] for r in rows} == {"rest"}
    assert simulator.stats().get("OHLC", 0) - calls_before == 1

    view = await get_json(system.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed" and view["progress"] == 1.0
    assert view["result"]["rows"] == len(expected)
    assert view["result"]["start_timestamp"] == iso(datetime.fromtimestamp(expected[0][0] / 1000, UTC))
    artifact = view["result"]["artifacts"][0]["path"]  # lake-relative: no path of the server shows
    assert artifact.startswith("candles/exchange=kraken/") and artifact.endswith("year=2026/part-0.parquet")
    assert view["details"]["batches_completed"] == -(-len(expected) // 20)
    assert view["result"]["not_fetched"] == []

    coverage = await get_json(system.api, "/api/data-coverage?exchange=kraken&symbol=BTC/USD")
    hourly = next(c for c in coverage if c["timeframe"] == "1h")
    assert hourly["rows"] == len(expected)
    assert hourly["start_timestamp"] == view["result"]["start_timestamp"]
    last_open = datetime.fromtimestamp(expected[-1][0] / 1000, UTC)
    assert hourly["end_timestamp"] == iso(last_open + timedelta(hours=1))
    assert hourly["last_job_id"] == job["id"]


async def test_range_beyond_rest_window_is_rebuilt_from_trades(system, simulator):
    start, end = NOW - timedelta(days=2), NOW - timedelta(minutes=30)
    job = await submit(system.api, {"exchange": "kraken", "symbol": "ETH/USD", "timeframe": "1m",
                                    "start_timestamp": iso(start), "end_timestamp": iso(end)})
    await follow(system.api, job["id"])
    view = await get_json(system.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed", view
    window_start = NOW - timedelta(minutes=719)  # 720 rows, the last of them still open
    kinds = [(s["kind"], s["start_timestamp"], s["end_timestamp"]) for s in view["result"]["plan"]["segments"]]
    assert kinds == [("trades", iso(start), iso(window_start)), ("rest", iso(window_start), iso(end))]
    assert view["result"]["not_fetched"] == [] and len(view["result"]["children"]) == 1
    rows = [r for r in lake_rows(system.lake, "ETH/USD", "1m") if start <= r["ts"] < end]
    assert [s[0] for s in stored(rows)] == [t[0] for t in truth(simulator, "ETH/USD", 1, start, end)]
    assert {r["source"] for r in rows if r["ts"] < window_start} == {"trades"}
    assert {r["source"] for r in rows if r["ts"] > window_start} == {"rest"}


async def test_unknown_pair_at_the_exchange_fails_promptly(system, database_url):
    conn = await asyncpg.connect(database_url)
    await conn.execute("INSERT INTO markets (exchange, symbol, exchange_id, enabled) VALUES"
                       " ('kraken', 'ZZZ/USD', 'ZZZUSD', true) ON CONFLICT DO NOTHING")
    await conn.close()
    began = time.monotonic()
    job = await submit(system.api, {"exchange": "kraken", "symbol": "ZZZ/USD", "timeframe": "1h",
                                    "start_timestamp": iso(NOW - timedelta(days=1)), "end_timestamp": iso(NOW)})
    events = await follow(system.api, job["id"])
    assert events[-1]["type"] == "job.failed"
    assert "ZZZ/USD" in events[-1]["data"]["error"] and "not a market" in events[-1]["data"]["error"]
    assert time.monotonic() - began < 15
    view = await get_json(system.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "failed" and "ZZZ/USD" in view["error"]


async def test_a_job_stored_but_never_queued_is_queued_by_the_sweep(system, simulator):
    # As if the API died between storing the job and publishing its command.
    start, end = NOW - timedelta(days=9), NOW - timedelta(days=8)
    cmd = JobCommand(job_id=uuid.uuid4(), exchange="kraken", symbol="ETH/USD", timeframe="1h",
                     start_ms=int(start.timestamp() * 1000), end_ms=int(end.timestamp() * 1000))
    pool = await create_pool(system.env["DATABASE_URL"])
    try:
        await store_job(pool, EventLog(pool, None), cmd, {"exchange": "kraken", "symbol": "ETH/USD"})
        events = await follow(system.api, str(cmd.job_id))
        assert events[-1]["type"] == "job.completed", events[-3:]
        assert await pool.fetchval("SELECT enqueued_at FROM data_jobs WHERE id = $1", cmd.job_id) is not None
    finally:
        await pool.close()
    rows = [r for r in lake_rows(system.lake, "ETH/USD", "1h") if start <= r["ts"] < end]
    assert stored(rows) == truth(simulator, "ETH/USD", 60, start, end)
