"""A batch delivered twice and a writer killed mid-job both leave exactly the same rows."""

from __future__ import annotations

import asyncio
import signal
import uuid
from datetime import timedelta

import nats

from shared.jobs.commands import CANDLES_SUBJECT, CandleBatch
from shared.jobs.events.log import EventLog
from shared.jobs.events.payloads import BatchWritten, JobMessage
from shared.platform.db import create_pool
from tests.integration.candles import stored, truth
from tests.integration.client import follow, lake_rows, submit
from tests.integration.times import NOW, iso


async def _drained(nats_url: str, timeout: float = 60) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for _ in range(int(timeout * 10)):
            info = await js.consumer_info("CANDLES", "writer")
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the writer did not drain the CANDLES stream")
    finally:
        await nc.close()


async def test_writer_killed_mid_job_leaves_the_same_rows(system, simulator):
    start, end = NOW - timedelta(hours=11), NOW
    written_at_kill: list[int] = []

    async def kill_writer_once(event: dict) -> None:
        if event["type"] == "batch.written" and not written_at_kill:
            system.kill("writer", signal.SIGSTOP)  # freeze at once, mid-job, then die without warning
            written_at_kill.append(event["data"]["batch_id"])
            system.kill_stopped("writer")
            await asyncio.sleep(1.0)
            system.start("writer")

    job = await submit(system.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m",
                                    "start_timestamp": iso(start), "end_timestamp": iso(end)})
    events = await follow(system.api, job["id"], on_event=kill_writer_once)
    assert events[-1]["type"] == "job.completed"
    fetched = next(e for e in events if e["type"] == "job.fetched")
    written = [e for e in events if e["type"] == "batch.written"]
    assert written_at_kill, "the writer was never killed"
    # Killed while batches were still waiting: the restart really was mid-job.
    assert written.index(next(e for e in written if e["data"]["batch_id"] == written_at_kill[0])) < len(written) - 1
    assert sorted(e["data"]["batch_id"] for e in written) == sorted(fetched["data"]["batch_ids"])

    rows = [r for r in lake_rows(system.lake, "BTC/USD", "1m") if start <= r["ts"] < end]
    assert stored(rows) == truth(simulator, "BTC/USD", 1, start, end)


async def test_same_batch_twice_changes_nothing(system, simulator, nats_url):
    start, end = NOW - timedelta(days=3), NOW
    job = await submit(system.api, {"exchange": "kraken", "symbol": "ETH/USD", "timeframe": "4h",
                                    "start_timestamp": iso(start), "end_timestamp": iso(end)})
    await follow(system.api, job["id"])
    files = sorted((system.lake / "candles").rglob("symbol=ETH-USD/timeframe=4h/**/*.parquet"))
    before = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files}
    rows = lake_rows(system.lake, "ETH/USD", "4h")

    batch = CandleBatch(
        job_id=job["id"], batch_id="replayed", exchange="kraken", symbol="ETH/USD", timeframe="4h", source="rest",
        ts=[int(r["ts"].timestamp() * 1000) for r in rows], open=[r["open"] for r in rows],
        high=[r["high"] for r in rows], low=[r["low"] for r in rows], close=[r["close"] for r in rows],
        volume=[r["volume"] for r in rows], vwap=[r["vwap"] for r in rows], trades=[r["trades"] for r in rows],
    )
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for _ in range(2):  # distinct message ids, so JetStream's own de-duplication does not hide the replay
        await js.publish(CANDLES_SUBJECT, batch.model_dump_json().encode(),
                         headers={"Nats-Msg-Id": uuid.uuid4().hex})
    await nc.close()
    await _drained(nats_url)

    after = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files}
    assert after == before
    assert lake_rows(system.lake, "ETH/USD", "4h") == rows
    assert stored(rows) == truth(simulator, "ETH/USD", 240, start, end)


async def test_a_candle_that_disagrees_with_a_stored_one_is_reported(system, simulator, database_url):
    start, end = NOW - timedelta(days=2), NOW
    job = await submit(system.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "4h",
                                    "start_timestamp": iso(start), "end_timestamp": iso(end)})
    await follow(system.api, job["id"])
    rows = [r for r in lake_rows(system.lake, "BTC/USD", "4h") if start <= r["ts"] < end][:3]
    # The same three candles as another source would give them, the middle one's high 1% off.
    batch = CandleBatch(
        job_id=job["id"], batch_id="second-opinion", exchange="kraken", symbol="BTC/USD", timeframe="4h",
        source="trades", ts=[int(r["ts"].timestamp() * 1000) for r in rows], open=[r["open"] for r in rows],
        high=[r["high"] * (1.01 if i == 1 else 1) for i, r in enumerate(rows)], low=[r["low"] for r in rows],
        close=[r["close"] for r in rows], volume=[r["volume"] for r in rows], vwap=[r["vwap"] for r in rows],
        trades=[r["trades"] for r in rows],
    )
    nc = await nats.connect(system.env["NATS_URL"])
    await nc.jetstream().publish(CANDLES_SUBJECT, batch.model_dump_json().encode(),
                                 headers={"Nats-Msg-Id": uuid.uuid4().hex})
    await nc.close()
    await _drained(system.env["NATS_URL"])
    pool = await create_pool(database_url)
    try:
        events = [e.data for e in await EventLog(pool, None).after(uuid.UUID(job["id"]), 0, limit=None)]
    finally:
        await pool.close()
    written = next(e for e in events if isinstance(e, BatchWritten) and e.batch_id == "second-opinion")
    report = written.comparison
    assert (report["compared"], report["matched"], report["differing"]) == (3, 2, 1)
    assert list(report["differences"][0]["fields"]) == ["high"]
    assert any(isinstance(e, JobMessage) and "1 of 3 trades candles differ from the stored ones" in e.text
               for e in events)
