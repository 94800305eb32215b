"""A rebuild whose saved checkpoint was written by another schema version (a newer rebuilder's, or a
pickled one from before versions): the rebuilder refuses it with a warning on the job, drops it, and
rebuilds from the start to Kraken's own candles, never resuming from a state it half understands."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import asyncpg
import pytest

from services.rebuilder.checkpoint import SCHEMA_VERSION
from tests.integration.candles import truth
from tests.integration.client import follow, get_json, lake_rows, submit
from tests.integration.rebuilds import MINUTES, close_enough, rebuilt
from tests.integration.times import NOW, iso

SYMBOL = "ETH/USD"


async def _plant(database_url: str, job_id: str, document: dict | None, since_ns: int) -> None:
    """The row a rebuilder of that version would have left, its cursor well into the range: resuming
    from it would lose every candle before."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("INSERT INTO rebuild_checkpoints (job_id, cursor, document, trades, calls)"
                           " VALUES ($1, $2, $3::json, 5000, 5)", job_id, str(since_ns),
                           None if document is None else json.dumps(document))
        if document is not None:
            await conn.execute("INSERT INTO rebuild_checkpoint_tables (job_id, name, arrow_ipc)"
                               " VALUES ($1, 'outbox/1m', $2)", job_id, b"written by another version")
        assert await conn.fetchval("SELECT count(*) FROM rebuild_checkpoints WHERE job_id = $1", job_id) == 1
    finally:
        await conn.close()


# Two months back, where no other test writes this pair: the candles checked are the job's own.
@pytest.mark.parametrize(("hours_back", "version"), [(1500, SCHEMA_VERSION + 1), (1550, None)])
async def test_a_checkpoint_of_another_schema_version_is_refused_and_the_job_rebuilds_from_the_start(
        system, simulator, hours_back, version):
    start, end = NOW - timedelta(hours=hours_back), NOW - timedelta(hours=hours_back - 3)
    since_ns = int((start + timedelta(hours=2)).timestamp() * 1e9)
    document = None if version is None else {  # a later version's shape: same names, other meanings
        "schema_version": version, "cursor": {"since": str(since_ns), "trades": 5000, "calls": 5, "dump_rows": {},
                                              "dumps_done": True, "finished": False, "pages": 5},
        "tables": ["outbox/1m"]}
    calls_before = simulator.stats().get("Trades", 0)
    system.kill("rebuilder")  # so that the checkpoint is there before the job is taken
    try:
        job = await submit(system.api, {
            "job_type": "trade_rebuild", "exchange": "kraken", "symbol": SYMBOL, "timeframe": "1m",
            "start_timestamp": iso(start), "end_timestamp": iso(end),
            "options": {"timeframes": ["5m", "15m", "1h"], "confirm": True}})
        await _plant(system.env["DATABASE_URL"], job["id"], document, since_ns)
    finally:
        system.start("rebuilder")
    events = await follow(system.api, job["id"])
    view = await get_json(system.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed", (view, system.logs())

    said = "none" if version is None else str(version)
    warning = (f"checkpoint written by schema version {said}, this rebuilder reads {SCHEMA_VERSION}:"
               " rebuilding from the start")
    assert {"text": warning, "level": "warning"} in [e["data"] for e in events if e["type"] == "job.message"]
    assert [e["data"]["resumed"] for e in events if e["type"] == "job.started"] == [False]
    trades = simulator.trades(SYMBOL, int(start.timestamp() * 1e9), int(end.timestamp() * 1e9))
    fetched = next(e["data"] for e in events if e["type"] == "job.fetched")
    assert fetched["trades"] == trades.n and fetched["exchange_calls"] <= math.ceil(trades.n / 1000) + 1, fetched
    assert simulator.stats().get("Trades", 0) - calls_before == fetched["exchange_calls"]
    for tf, minutes in MINUTES.items():
        want = truth(simulator, SYMBOL, minutes, start, end)
        assert want and close_enough(rebuilt(lake_rows(system.lake, SYMBOL, tf), start, end), want), tf
