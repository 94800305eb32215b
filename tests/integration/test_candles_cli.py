"""The `candles` command against a stack this module starts (the services as processes, the Kraken
simulator): fetch shows the plan and its cost, asks before a costly job, follows it with a progress
bar and an ETA, prints the summary and exits non-zero when the job failed; download writes what the
lake holds; a refusal is one line naming the field. Every job costs confirming here
(REBUILD_CONFIRM_CALLS=0), and a job whose calls fail fails at once (one delivery, one retry)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from candles_client import AsyncClient
from tests.integration.client import lake_rows
from tests.integration.system import isolated_system
from tests.integration.times import NOW, iso

ROOT = Path(__file__).resolve().parents[2]
START, END = NOW - timedelta(days=6), NOW - timedelta(hours=2)
RANGE = ["--start", iso(START), "--end", iso(END)]


@pytest.fixture(scope="module")
async def stack(simulator, tmp_path_factory):
    async with isolated_system(simulator.url, tmp_path_factory, REBUILD_CONFIRM_CALLS="0", MAX_DELIVER="1",
                               EXCHANGE_MAX_RETRIES="1") as system:
        yield system


async def candles(api: str, *args: str, answer: bytes | None = None, before_answer=None) -> tuple[int, str, str]:
    """Runs `python -m candles_client`; with `answer`, waits for the confirm question, calls
    `before_answer`, then types the answer."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "candles_client", *args, cwd=ROOT, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CANDLES_URL": api, "PYTHONUNBUFFERED": "1", "COLUMNS": "160"})
    out = b""
    if answer is not None:
        while b"start it?" not in out:
            chunk = await asyncio.wait_for(proc.stdout.read(4096), 60)
            assert chunk, out.decode()
            out += chunk
        if before_answer is not None:
            before_answer()
        proc.stdin.write(answer)
        await proc.stdin.drain()
    rest, err = await asyncio.wait_for(proc.communicate(), 240)
    return proc.returncode, (out + rest).decode(), err.decode()


def in_range(rows: list[dict]) -> list[dict]:
    return [r for r in rows if START <= r["ts"] < END]


@pytest.fixture(scope="module")
async def fetched(stack) -> tuple[int, str, str]:
    """`candles fetch` of BTC/USD 1h over RANGE, answered yes: what the other tests read was stored by it."""
    return await candles(stack.api, "fetch", "kraken", "BTC/USD", "--timeframe", "1h", *RANGE, answer=b"y\n")


async def test_fetch_shows_the_plan_asks_follows_and_summarises(stack, fetched):
    code, out, err = fetched
    assert code == 0, out + err
    rows = in_range(lake_rows(stack.lake, "BTC/USD", "1h"))
    assert len(rows) > 100
    assert "plan: BTC/USD 1h" in out and "rest" in out
    assert "cost: 1 Kraken calls" in out and "above the confirm limit" in out
    assert "progress 100% ETA 0:00:00" in out and "━ 100% ETA 0:00:00 completed" in out, out  # line, then bar
    assert ": completed" in out and f"rows {len(rows)}, stored {iso(rows[0]['ts'])}" in out, out


async def test_a_costly_job_not_confirmed_is_not_started(stack):
    code, out, _ = await candles(stack.api, "fetch", "kraken", "ETH/USD", "-t", "1d", *RANGE, answer=b"n\n")
    assert code == 5 and "not started" in out
    async with AsyncClient(stack.api) as client:
        assert not [j for j in await client.jobs() if j.symbol == "ETH/USD"]


async def test_a_failed_job_exits_non_zero_with_its_error(stack, simulator):
    try:
        # Kraken fails every call from the moment the plan is shown: the job fails.
        code, out, err = await candles(stack.api, "fetch", "kraken", "ETH/USD", "-t", "4h", *RANGE, answer=b"y\n",
                                       before_answer=lambda: simulator.set_faults("503:1.0"))
    finally:
        simulator.set_faults(None)
    assert code == 1, out + err
    assert ": failed" in out and "error: kraken GET " in out and "503" in out, out


async def test_download_writes_what_the_lake_holds(stack, fetched, tmp_path):
    async with AsyncClient(stack.api) as client:
        (job,) = [j for j in await client.jobs() if j.symbol == "BTC/USD" and j.status == "completed"]
    expected = in_range(lake_rows(stack.lake, "BTC/USD", "1h"))
    code, out, err = await candles(stack.api, "download", job.id, "-o", str(tmp_path / "c.parquet"))
    assert code == 0 and f"wrote {tmp_path / 'c.parquet'}" in out, out + err
    assert pq.read_table(tmp_path / "c.parquet").to_pylist() == expected
    code, _, _ = await candles(stack.api, "download", job.id, "--format", "csv", "-o", str(tmp_path / "c.csv"))
    table = pacsv.read_csv(tmp_path / "c.csv")
    assert code == 0 and table.num_rows == len(expected)
    assert table.column("close").to_pylist() == [r["close"] for r in expected]


async def test_coverage_and_jobs_list_what_is_there(stack, fetched):
    code, out, _ = await candles(stack.api, "coverage", "kraken", "BTC/USD")
    assert code == 0 and "BTC/USD" in out and "1h" in out
    code, out, _ = await candles(stack.api, "jobs")
    assert code == 0 and "completed" in out and "BTC/USD" in out


async def test_a_refusal_is_one_line_naming_the_field(stack):
    code, out, err = await candles(stack.api, "fetch", "kraken", "BTC/USD", "-t", "7m", *RANGE, "--yes")
    assert code == 3 and err.strip().count("\n") == 0 and err.startswith("candles: timeframe: "), err
    code, _, err = await candles(stack.api, "fetch", "kraken", "BTC/USD", "-t", "1h", "--start", "soon", "--end", "x")
    assert code == 2 and "not a date" in err
    code, _, err = await candles("http://127.0.0.1:9", "jobs")
    assert code == 4 and err.startswith("candles: no answer: ")


async def test_the_async_client_reads_candles_and_follows_a_job(stack, fetched):
    async with AsyncClient(stack.api) as client:
        frame = await client.candles("kraken", "BTC/USD", "1h", START, END)
        assert frame.to_dicts() == in_range(lake_rows(stack.lake, "BTC/USD", "1h"))
        (job,) = [j for j in await client.jobs() if j.symbol == "BTC/USD" and j.status == "completed"]
        events = [e async for e in client.follow(job.id)]
        assert events[0].seq == 1 and events[-1].type == "job.completed"
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert [e.seq for e in [e async for e in client.follow(job.id, after=2)]][0] == 3


async def test_datasets_create_then_verify_and_pull(stack, fetched, tmp_path):
    args = ["kraken", "-s", "BTC/USD", "-t", "1h", *RANGE]
    code, out, err = await candles(stack.api, "datasets", "create", "hourly-btc", *args)
    assert code == 0 and out.startswith("created"), out + err
    dataset_id = re.search(r"^dataset (\w+) \(hourly-btc\)", out, re.M).group(1)
    rows = in_range(lake_rows(stack.lake, "BTC/USD", "1h"))
    assert re.search(rf"BTC-USD_1h\.parquet\s*│\s*{len(rows)}\s*│", out), out
    code, again, _ = await candles(stack.api, "datasets", "create", "same-content", *args)
    assert code == 0 and again.startswith("the same content exists already") and f"dataset {dataset_id} " in again

    code, out, err = await candles(stack.api, "datasets", "verify", dataset_id)
    assert code == 0 and f"dataset {dataset_id}: verified" in out and "ok  BTC-USD_1h.parquet" in out, out + err
    code, out, err = await candles(stack.api, "datasets", "pull", dataset_id, "--to", str(tmp_path))
    assert code == 0 and "(sha256 ok)" in out, out + err
    assert pq.read_table(tmp_path / dataset_id / "BTC-USD_1h.parquet").to_pylist() == rows
    code, out, _ = await candles(stack.api, "datasets", "list")
    assert code == 0 and dataset_id in out
    code, out, err = await candles(stack.api, "datasets", "delete", dataset_id)
    assert code == 0 and f"deleted {dataset_id}; files removed: 1" in out, out + err
    code, _, err = await candles(stack.api, "datasets", "show", dataset_id)
    assert code == 3 and "(HTTP 404)" in err


async def test_an_incomplete_dataset_is_refused_with_its_missing_parts(stack):
    code, out, err = await candles(stack.api, "datasets", "create", "nothing-here", "kraken", "-s", "ETH/USD",
                                   "-t", "1d", *RANGE)
    first, *rest = err.splitlines()
    assert code == 3 and first.startswith("candles: start_timestamp: ") and first.endswith("(HTTP 409)"), out + err
    assert re.fullmatch(r"  missing: ETH/USD 1d \S+Z \.\. \S+Z", rest[0]), err
    assert rest[1].startswith("  to fetch: candles fetch kraken ETH/USD -t 1d --start "), err
