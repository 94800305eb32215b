"""Trade rebuilds through the system: exact paging through bursts, candles equal to the simulator's
own, a bounded number of Trades calls, and a rebuilder killed mid-job that resumes from its cursor."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta

import nats
import numpy as np
import pyarrow.dataset as ds

from shared.jobs.commands import JOB_SUBJECTS, JobCommand
from shared.lake.timeframes import to_ms
from tests.integration.candles import truth
from tests.integration.client import follow, get_json, lake_rows, run_job, submit
from tests.integration.rebuilds import MINUTES, close_enough, rebuild_request, rebuilt
from tests.integration.times import NOW, iso


async def _rebuild(system, symbol: str, start: datetime, end: datetime, on_event=None,
                   **options) -> tuple[dict, list[dict]]:
    return await run_job(system.api, rebuild_request(start, end, symbol, **options), on_event=on_event)


async def test_rebuild_equals_kraken_candles_for_every_timeframe(system, simulator):
    start, end = NOW - timedelta(hours=103), NOW - timedelta(hours=100)
    trades = simulator.trades("ETH/USD", int(start.timestamp() * 1e9), int(end.timestamp() * 1e9))
    busiest_ms = np.unique(trades.ts_ns // 1_000_000, return_counts=True)[1].max()
    assert busiest_ms > 1000  # more trades in one millisecond than a page holds
    calls_before = simulator.stats().get("Trades", 0)
    view, events = await _rebuild(system, "ETH/USD", start, end)
    assert view["status"] == "completed", view
    calls = simulator.stats().get("Trades", 0) - calls_before
    assert calls <= math.ceil(trades.n / 1000) + 1, (calls, trades.n)
    for tf, minutes in MINUTES.items():
        assert close_enough(rebuilt(lake_rows(system.lake, "ETH/USD", tf), start, end),
                            truth(simulator, "ETH/USD", minutes, start, end)), tf
    # Every timeframe the rebuild wrote has its coverage row, not only the job's own.
    coverage = {c["timeframe"]: c for c in await get_json(system.api, "/api/data-coverage?exchange=kraken&symbol=ETH/USD")}
    for tf, minutes in MINUTES.items():
        row, want = coverage[tf], truth(simulator, "ETH/USD", minutes, start, end)
        first, last = (datetime.fromtimestamp(want[i][0] / 1000, NOW.tzinfo) for i in (0, -1))
        assert row["start_timestamp"] <= iso(first) and row["end_timestamp"] >= iso(last + timedelta(minutes=minutes))
        assert row["rows"] >= len(want), row


async def test_rebuilder_killed_mid_job_resumes_from_its_cursor(system, simulator):
    start, end = NOW - timedelta(days=5), NOW - timedelta(days=1)
    killed: list[int] = []

    async def kill_once(event: dict) -> None:
        if event["type"] == "job.progress" and not killed and event["data"].get("calls", 0) >= 3:
            system.kill("rebuilder")
            killed.append(event["data"]["calls"])
            await asyncio.sleep(0.5)
            system.start("rebuilder")

    calls_before = simulator.stats().get("Trades", 0)
    view, events = await _rebuild(system, "BTC/USD", start, end, on_event=kill_once, include_trades=True)
    assert killed and view["status"] == "completed", view
    assert any(e["type"] == "job.started" and e["data"].get("resumed") for e in events)
    calls = simulator.stats().get("Trades", 0) - calls_before
    trades = simulator.trades("BTC/USD", int(start.timestamp() * 1e9), int(end.timestamp() * 1e9))
    uninterrupted = math.ceil(trades.n / 1000) + 1
    assert uninterrupted >= 8 and calls <= 1.1 * uninterrupted, (calls, uninterrupted)
    for tf, minutes in MINUTES.items():
        assert close_enough(rebuilt(lake_rows(system.lake, "BTC/USD", tf), start, end),
                            truth(simulator, "BTC/USD", minutes, start, end)), tf
    # The raw trades too: each once, whatever was written before the kill was written again the same.
    kept = ds.dataset(system.lake / "trades" / "exchange=kraken" / "symbol=BTC-USD", format="parquet",
                      partitioning="hive").to_table()
    kept = kept.sort_by([("ts", "ascending"), ("trade_id", "ascending")])
    ids = kept.column("trade_id").to_pylist()
    assert sorted(ids) == sorted(int(i) for i in trades.trade_id) and len(set(ids)) == len(ids)
    # Kraken prints trade times to a tenth of a millisecond.
    assert kept.column("ts").cast("int64").to_pylist() == [(int(t) + 50_000) // 100_000 * 100_000
                                                            for t in trades.ts_ns]
    # Pages of 1,000 are gathered into one file per day; the files reported are the files there.
    fetched = next(e["data"] for e in events if e["type"] == "job.fetched")
    assert fetched["trades_written"] == fetched["trades"] == trades.n
    listed = sorted("/".join(uri.rsplit("/", 2)[-2:]) for uri in fetched["trade_files"])
    on_disk = sorted(f"{p.parent.name}/{p.name}" for p in (system.lake / "trades").rglob("*.parquet"))
    assert listed == on_disk and len(on_disk) == 5  # days 15 to 19 November, each partly or whole


async def test_fill_writes_a_flat_candle_for_every_bucket_without_trades(system, simulator):
    start, end = NOW - timedelta(days=60), NOW - timedelta(days=60) + timedelta(hours=12)
    view, _ = await _rebuild(system, "ETH/USD", start, end, timeframes=["15m"], empty_buckets="fill")
    assert view["status"] == "completed", view
    for tf, minutes in (("1m", 1), ("15m", 15)):
        rows = [r for r in lake_rows(system.lake, "ETH/USD", tf) if start <= r["ts"] < end]
        want = truth(simulator, "ETH/USD", minutes, start, end)
        step = minutes * 60_000
        assert len(want) < len(rows) == (end - start) // timedelta(minutes=minutes), tf  # quiet buckets exist
        ts = [int(r["ts"].timestamp() * 1000) for r in rows]
        assert ts == list(range(ts[0], ts[0] + len(ts) * step, step))
        # A filled candle is marked by trades = 0 (a real one has at least one): flat at the previous
        # close, no volume, no vwap; the others are Kraken's own candles.
        filled = [(prev, r) for prev, r in zip(rows, rows[1:], strict=False) if r["trades"] == 0]
        assert filled and all(r["volume"] == 0 and r["vwap"] is None and r["source"] == "trades" and
                              r["open"] == r["high"] == r["low"] == r["close"] == prev["close"] for prev, r in filled)
        assert close_enough(rebuilt([r for r in rows if r["trades"] > 0], start, end), want), tf


async def test_a_command_delivered_again_after_job_fetched_makes_no_more_trades_calls(system, simulator):
    """The writer is down, so the job cannot complete after its rebuild is announced; the command
    comes again (as after a NATS restart) and is acknowledged without paging a trade."""
    start, end = NOW - timedelta(hours=140), NOW - timedelta(hours=138)
    system.kill("writer")
    fetched = asyncio.Event()

    async def on_event(event: dict) -> None:
        if event["type"] == "job.fetched":
            fetched.set()

    job = await submit(system.api, rebuild_request(start, end, "ETH/USD"))
    following = asyncio.create_task(follow(system.api, job["id"], on_event=on_event))
    try:
        await asyncio.wait_for(fetched.wait(), 120)
        calls_after_fetched = simulator.stats().get("Trades", 0)
        cmd = JobCommand(job_id=job["id"], job_type="trade_rebuild", exchange="kraken", symbol="ETH/USD",
                         timeframe="1m", start_ms=to_ms(start), end_ms=to_ms(end),
                         options={"timeframes": ["5m", "15m", "1h"], "confirm": True})
        nc = await nats.connect(system.env["NATS_URL"])
        try:
            await nc.jetstream().publish(JOB_SUBJECTS["trade_rebuild"], cmd.model_dump_json().encode(),
                                         headers={"Nats-Msg-Id": f"{job['id']}:again"})
        finally:
            await nc.close()
        log = system.log_dir / "rebuilder.log"
        for _ in range(120):
            if "job.already_fetched" in log.read_text():
                break
            await asyncio.sleep(0.25)
        assert "job.already_fetched" in log.read_text(), system.logs()
        assert simulator.stats().get("Trades", 0) == calls_after_fetched
    finally:
        system.start("writer")
    events = await asyncio.wait_for(following, 120)
    assert events[-1]["type"] == "job.completed"
    assert [e["type"] for e in events].count("job.started") == 1
    assert close_enough(rebuilt(lake_rows(system.lake, "ETH/USD", "1m"), start, end),
                        truth(simulator, "ETH/USD", 1, start, end))
