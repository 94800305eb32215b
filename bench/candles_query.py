"""GET /api/candles of five years of 1m candles (about 2.6M rows) from a lake built directly (synthetic
candles written by the writer's own write_partition, no exchange, no job), against the API as a process
of its own: its extra memory during the download (peak RSS minus RSS before, read from /proc of the API
process) and the latency of GET /api/data-jobs/{id} asked every 20 ms meanwhile, each printed against
the same measure with no download running.

    python -m bench.candles_query [--years 5] [--formats parquet,csv,json] [--quick]

Targets: extra memory under 200 MiB, p99 under 50 ms. PostgreSQL: BENCH_DATABASE_URL, else an embedded
server in a temporary folder; NATS: a nats-server of its own."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx

MIB = 1 << 20
LIMIT_MIB, LIMIT_P99_MS = 200, 50
PACE_S = 0.02  # one job request every 20 ms
IDLE_S = 5.0  # the no-download measure
SYMBOL = "SYN/USD"


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> bool:
    """Resets VmHWM to the current RSS (clear_refs 5), so the peak read later is this measure's alone."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Memory:
    """The API process's RSS: before, and the peak since (VmHWM after a reset, else sampled)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.hwm = pid, reset_peak(pid)
        self.before = self.peak = status_kib(pid, "VmRSS")

    def sample(self) -> None:
        self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))

    def peak_kib(self) -> int:
        return max(status_kib(self.pid, "VmHWM") if self.hwm else 0, self.peak)

    def extra_mib(self, since_kib: int | None = None) -> float:
        return (self.peak_kib() - (self.before if since_kib is None else since_kib)) / 1024


def deadline(seconds: float):
    end = time.perf_counter() + seconds
    return lambda: time.perf_counter() > end


async def paced_gets(http: aiohttp.ClientSession, url: str, memory: Memory, until) -> list[float]:
    latencies = []
    while not until():
        began = time.perf_counter()
        async with http.get(url) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
        latencies.append(time.perf_counter() - began)
        memory.sample()
        await asyncio.sleep(max(0.0, PACE_S - (time.perf_counter() - began)))
    return latencies


def download(url: str, params: dict) -> dict:
    began, size = time.perf_counter(), 0
    with httpx.stream("GET", url, params=params, timeout=600) as resp:
        assert resp.status_code == 200, resp.read()
        for chunk in resp.iter_bytes(1 << 20):
            size += len(chunk)
    return {"bytes": size, "seconds": time.perf_counter() - began}


def query_params(fmt: str, **extra: str) -> dict:
    return {"exchange": "kraken", "symbol": SYMBOL, "timeframe": "1m", "format": fmt, **extra}


async def measure(api: str, pid: int, job_id: str, fmt: str, started_kib: int) -> dict:
    job_url = f"{api}/api/data-jobs/{job_id}"
    async with aiohttp.ClientSession() as http:
        await paced_gets(http, job_url, Memory(pid), deadline(1.0))  # warm-up: connections, first queries
        idle_memory = Memory(pid)
        idle = await paced_gets(http, job_url, idle_memory, deadline(IDLE_S))
        idle_extra = idle_memory.extra_mib()
        # The download in a process of its own: reading it never competes with this loop for its lock.
        busy_memory = Memory(pid)
        reader = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.candles_query", "--download", api, fmt, stdout=asyncio.subprocess.PIPE)
        busy = await paced_gets(http, job_url, busy_memory, lambda: reader.returncode is not None)
        result = json.loads((await reader.communicate())[0])
    return {"format": fmt, **result, "idle_p99": p99(idle), "busy_p99": p99(busy), "idle_n": len(idle),
            "busy_n": len(busy), "idle_extra": idle_extra, "busy_extra": busy_memory.extra_mib(),
            # Over the RSS the API had before any download: what the warm-up and earlier formats left
            # in the allocator's pools counts too.
            "since_start": busy_memory.extra_mib(started_kib)}


async def build(database_url: str, lake: Path, years: int) -> tuple[str, int]:
    """The synthetic lake and one job row to ask for; (job id, rows)."""
    from bench.synthetic_lake import write_lake
    from shared.jobs.commands import JobCommand
    from shared.jobs.events.log import EventLog
    from shared.jobs.submission import store_job
    from shared.lake.storage import LocalStorage
    from shared.platform.db import create_pool

    end_year = datetime.now(UTC).year
    start_ms = int(datetime(end_year - years, 1, 1, tzinfo=UTC).timestamp() * 1000)
    end_ms = int(datetime(end_year, 1, 1, tzinfo=UTC).timestamp() * 1000)
    pool = await create_pool(database_url)  # runs the migrations
    try:
        rows = await write_lake(pool, LocalStorage(lake), "kraken", SYMBOL, "1m", start_ms, end_ms)
        cmd = JobCommand(job_id=uuid.uuid4(), exchange="kraken", symbol="BTC/USD", timeframe="1h",
                         start_ms=start_ms, end_ms=end_ms)
        await store_job(pool, EventLog(pool, None), cmd, {"exchange": "kraken", "symbol": "BTC/USD"})
        # As the coverage service would have projected it: the view answers at once.
        await pool.execute("UPDATE data_jobs SET projected_seq = last_event_seq WHERE id = $1", cmd.job_id)
    finally:
        await pool.close()
    return str(cmd.job_id), rows


@contextlib.contextmanager
def servers(tmp: Path):
    from services.launcher.embedded import start_nats, start_postgres

    nats_proc, nats_url = start_nats(tmp / "nats")
    pg = None
    try:
        database_url = os.environ.get("BENCH_DATABASE_URL")
        if not database_url:
            pg, database_url = start_postgres(tmp / "postgres")
        yield database_url, nats_url
    finally:
        nats_proc.terminate()
        if pg is not None:
            pg.cleanup()


async def wait_ready(api: str, proc: subprocess.Popen) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{api}/readyz") as resp:
                    if resp.status == 200:
                        return
            assert proc.poll() is None, "the API exited"
            await asyncio.sleep(0.2)
    raise RuntimeError("the API never became ready")


def warm_up(api: str, formats: list[str]) -> None:
    """A day of candles in each format first: the first answer's one-time costs (thread pools, the
    memory pool's first blocks, lazy imports) are not a download's."""
    for fmt in formats:
        download(f"{api}/api/candles", query_params(fmt, end=f"{datetime.now(UTC).year - 1}-01-02T00:00:00Z"))


async def measure_all(api: str, pid: int, job_id: str, formats: list[str], started_kib: int) -> list[dict]:
    return [await measure(api, pid, job_id, fmt, started_kib) for fmt in formats]


def run(years: int, formats: list[str]) -> list[dict]:
    from services.launcher.embedded import free_port

    with tempfile.TemporaryDirectory(prefix="bench-candles-") as tmp, servers(Path(tmp)) as (database_url, nats_url):
        lake = Path(tmp) / "lake"
        job_id, rows = asyncio.run(build(database_url, lake, years))
        port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "NATS_URL": nats_url, "STORAGE_URL": lake.as_uri(),
               "API_PORT": str(port), "LOG_LEVEL": "warning"}
        api = subprocess.Popen([sys.executable, "-m", "services.api"], env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(url, api))
            started = status_kib(api.pid, "VmRSS")
            warm_up(url, formats)
            return [{"rows": rows, **r} for r in asyncio.run(measure_all(url, api.pid, job_id, formats, started))]
        finally:
            api.terminate()
            api.wait(15)


def report(results: list[dict]) -> None:
    for r in results:
        print(f"{r['format']:8} {r['rows']:>9,} rows, {r['bytes'] / MIB:7.1f} MiB in {r['seconds']:5.1f} s"
              f" ({r['rows'] / r['seconds'] / 1e6:.2f} M rows/s)")
        worst = max(r["busy_extra"], r["since_start"])
        print(f"         API extra memory: {r['busy_extra']:6.1f} MiB during the download ({r['since_start']:.1f} MiB"
              f" over its RSS before any download), {r['idle_extra']:5.1f} MiB without (limit {LIMIT_MIB}):"
              f" {'ok' if worst < LIMIT_MIB else 'OVER'}")
        print(f"         GET /api/data-jobs/{{id}} p99: {r['busy_p99'] * 1000:6.1f} ms during ({r['busy_n']} requests),"
              f" {r['idle_p99'] * 1000:5.1f} ms without ({r['idle_n']}); {r['busy_p99'] / r['idle_p99']:.2f}x"
              f" (limit {LIMIT_P99_MS} ms): {'ok' if r['busy_p99'] * 1000 < LIMIT_P99_MS else 'OVER'}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--formats", default="parquet,csv,json")
    parser.add_argument("--quick", action="store_true", help="one year, Parquet only")
    parser.add_argument("--download", nargs=2, metavar=("API", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.download:  # the reading side of a measure, run by measure()
        api, fmt = args.download
        print(json.dumps(download(f"{api}/api/candles", query_params(fmt))))
        return
    years, formats = (1, ["parquet"]) if args.quick else (args.years, args.formats.split(","))
    report(run(years, formats))


if __name__ == "__main__":
    main()
