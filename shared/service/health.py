"""/metrics, /livez and /readyz of a service process, on a small HTTP port of its own (METRICS_PORT).

The server runs in a thread, so it answers while the event loop is stuck: that is when /livez must
say so. What it reports is written by tasks on the loop and only read by the thread:
- a heartbeat ticks every fraction of a second and samples the NATS connection; a loop that has not
  ticked for LIVENESS_STALL_S, or NATS lost for longer than NATS_LOST_S, fails /livez (503), and the
  orchestrator restarts the process;
- a dependency check runs `SELECT 1` on PostgreSQL and flushes NATS every few seconds; /readyz passes
  when the process is live and both answered at the last check."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import asyncpg
import structlog
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

from shared.platform.bus import Bus
from shared.platform.metrics import DEPENDENCY_UP, EVENT_LOOP_LAG, NATS_CONNECTED
from shared.platform.settings import Settings

log = structlog.get_logger()
CHECK_EVERY_S = 5.0
CHECK_TIMEOUT_S = 2.0
OK, DOWN, UNKNOWN = "ok", "unavailable", "unknown"


@dataclass
class Probes:
    """The state the probes judge. Written on the loop, read by the server thread: plain floats and a
    dict replaced whole, so a reader never sees half an update."""

    stall_s: float
    nats_lost_s: float
    last_tick: float = field(default_factory=time.monotonic)
    nats_lost_since: float | None = None
    checks: dict[str, str] = field(default_factory=lambda: {"postgres": UNKNOWN, "nats": UNKNOWN})

    def tick(self, now: float, nats_connected: bool) -> None:
        self.last_tick = now
        if nats_connected:
            self.nats_lost_since = None
        elif self.nats_lost_since is None:
            self.nats_lost_since = now

    def liveness(self, now: float) -> tuple[bool, dict]:
        stalled = max(now - self.last_tick, 0.0)
        lost = 0.0 if self.nats_lost_since is None else now - self.nats_lost_since
        live = stalled <= self.stall_s and lost <= self.nats_lost_s
        return live, {"status": "live" if live else "failing", "loop_stalled_s": round(stalled, 3),
                      "nats_lost_s": round(lost, 3)}

    def readiness(self, now: float) -> tuple[bool, dict]:
        live, body = self.liveness(now)
        checks = self.checks
        ready = live and all(v == OK for v in checks.values())
        return ready, {**body, "status": "ready" if ready else "not ready", "checks": checks}


async def heartbeat(probes: Probes, nats_connected: Callable[[], bool]) -> None:
    """Ticks a few times per stall window; how late each tick comes is the loop's lag."""
    loop = asyncio.get_running_loop()
    every = min(1.0, probes.stall_s / 4)
    lag = 0.0
    while True:
        EVENT_LOOP_LAG.set(lag)
        connected = nats_connected()
        NATS_CONNECTED.set(1 if connected else 0)
        probes.tick(time.monotonic(), connected)
        before = loop.time()
        await asyncio.sleep(every)
        lag = max(loop.time() - before - every, 0.0)


async def _answers(name: str, check) -> str:
    try:
        ok = await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except Exception as exc:  # which dependency is down goes to the probe; why, to the log
        log.warning("health.dependency_down", dependency=name, error=repr(exc)[:300])
        ok = False
    DEPENDENCY_UP.labels(name).set(1 if ok else 0)
    return OK if ok else DOWN


async def check_dependencies(probes: Probes, pool: asyncpg.Pool, bus: Bus) -> None:
    async def postgres() -> bool:
        return await pool.fetchval("SELECT 1") == 1

    while True:
        probes.checks = {"postgres": await _answers("postgres", postgres), "nats": await _answers("nats", bus.ping)}
        await asyncio.sleep(CHECK_EVERY_S)


def _handler(probes: Probes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                self._send(200, encoder(REGISTRY), content_type)
            elif path in ("/livez", "/readyz"):
                judge = probes.liveness if path == "/livez" else probes.readiness
                ok, body = judge(time.monotonic())
                self._send(200 if ok else 503, json.dumps(body).encode(), "application/json")
            else:
                self._send(404, b'{"error": "not_found", "field": "path", "reason": "no such endpoint"}',
                           "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # a probe every few seconds is no news
            pass

    return Handler


class HealthServer:
    """The HTTP side, in a daemon thread of its own."""

    def __init__(self, probes: Probes, host: str, port: int) -> None:
        try:
            self._server = ThreadingHTTPServer((host, port), _handler(probes))
        except OSError as exc:
            raise SystemExit(f"METRICS_PORT {port} on {host} cannot be opened ({exc.strerror}): set another,"
                             " or 0 for a free one") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="health", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for serve_forever, which must have started
            self._server.shutdown()
        self._server.server_close()


@contextlib.asynccontextmanager
async def serving_health(service: str, settings: Settings, pool: asyncpg.Pool, bus: Bus) -> AsyncIterator[int]:
    """The health server and its tasks for the life of the block; yields the port it listens on."""
    probes = Probes(settings.liveness_stall_s, settings.nats_lost_s)
    server = HealthServer(probes, settings.metrics_host, settings.metrics_port_of(service)).start()
    tasks = [asyncio.create_task(heartbeat(probes, lambda: bus.nc.is_connected)),
             asyncio.create_task(check_dependencies(probes, pool, bus))]
    try:
        yield server.port
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(server.close)  # waits for the thread's poll, off the loop
