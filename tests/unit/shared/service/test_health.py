"""The health port: /livez fails while the event loop is blocked past the threshold, or NATS has been
lost past its window, and recovers after; /readyz also needs PostgreSQL and NATS to have answered;
/metrics is Prometheus text. The server runs in its own thread, so it answers while the loop is stuck."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from shared.service.health import DOWN, OK, HealthServer, Probes, heartbeat

STALL_S = 0.3


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextlib.asynccontextmanager
async def health(connected=lambda: True):
    probes = Probes(stall_s=STALL_S, nats_lost_s=STALL_S)
    server = HealthServer(probes, "127.0.0.1", 0).start()
    beat = asyncio.create_task(heartbeat(probes, connected))
    try:
        yield probes, server.port
    finally:
        beat.cancel()
        server.close()


def test_liveness_judges_the_last_tick_and_how_long_nats_has_been_lost():
    probes = Probes(stall_s=10, nats_lost_s=60)
    probes.tick(100.0, nats_connected=True)
    assert probes.liveness(110.0)[0] and not probes.liveness(110.5)[0]
    probes.tick(200.0, nats_connected=False)
    probes.tick(259.0, nats_connected=False)  # still lost since 200
    assert probes.liveness(260.0)[0] and not probes.liveness(260.5)[0]
    probes.tick(261.0, nats_connected=True)
    assert probes.liveness(261.0) == (True, {"status": "live", "loop_stalled_s": 0.0, "nats_lost_s": 0.0})


def test_readiness_needs_both_dependencies_and_a_live_process():
    probes = Probes(stall_s=10, nats_lost_s=60)
    probes.tick(0.0, nats_connected=True)
    assert not probes.readiness(1.0)[0]  # not checked yet
    probes.checks = {"postgres": OK, "nats": OK}
    assert probes.readiness(1.0)[0]
    assert not probes.readiness(11.0)[0]  # a stuck loop is not ready either
    probes.checks = {"postgres": DOWN, "nats": OK}
    ready, body = probes.readiness(1.0)
    assert not ready and body["checks"] == {"postgres": DOWN, "nats": OK}


async def test_a_blocked_event_loop_fails_livez_from_another_thread_and_recovers():
    async with health() as (_, port):
        await asyncio.sleep(STALL_S)
        assert (await asyncio.to_thread(get, port, "/livez"))[0] == 200
        seen: list[tuple[int, dict]] = []

        def probe_while_blocked() -> None:
            time.sleep(STALL_S * 3)
            status, body = get(port, "/livez")
            seen.append((status, json.loads(body)))

        prober = threading.Thread(target=probe_while_blocked)
        prober.start()
        time.sleep(STALL_S * 5)  # noqa: ASYNC251 - blocking the loop on purpose, as a sync call in a handler would
        prober.join()
        assert seen[0][0] == 503 and seen[0][1]["status"] == "failing"
        assert seen[0][1]["loop_stalled_s"] > STALL_S
        await asyncio.sleep(STALL_S)  # the loop turns again: the next tick makes it live
        status, body = await asyncio.to_thread(get, port, "/livez")
        assert status == 200, body


async def test_nats_lost_past_its_window_fails_livez_and_its_return_recovers():
    connected = {"now": True}
    async with health(lambda: connected["now"]) as (_, port):
        await asyncio.sleep(STALL_S)
        connected["now"] = False
        await asyncio.sleep(STALL_S / 2)
        assert (await asyncio.to_thread(get, port, "/livez"))[0] == 200  # inside the reconnect window
        await asyncio.sleep(STALL_S * 2)
        status, body = await asyncio.to_thread(get, port, "/livez")
        assert status == 503 and json.loads(body)["nats_lost_s"] > STALL_S
        connected["now"] = True
        await asyncio.sleep(STALL_S)
        assert (await asyncio.to_thread(get, port, "/livez"))[0] == 200


async def test_metrics_is_prometheus_text_with_the_process_gauges_and_readyz_waits_for_checks():
    async with health() as (probes, port):
        await asyncio.sleep(STALL_S)
        status, body = await asyncio.to_thread(get, port, "/metrics")
        names = {f.name for f in text_string_to_metric_families(body.decode())}
        assert status == 200 and {"candles_event_loop_lag_seconds", "candles_nats_connected"} <= names
        assert (await asyncio.to_thread(get, port, "/readyz"))[0] == 503
        probes.checks = {"postgres": OK, "nats": OK}
        assert (await asyncio.to_thread(get, port, "/readyz"))[0] == 200
        assert (await asyncio.to_thread(get, port, "/nothing"))[0] == 404


def test_a_taken_port_stops_the_start_with_the_setting_named():
    first = HealthServer(Probes(10, 60), "127.0.0.1", 0)
    try:
        try:
            HealthServer(Probes(10, 60), "127.0.0.1", first.port)
        except SystemExit as exc:
            assert "METRICS_PORT" in str(exc)
        else:
            raise AssertionError("a second server bound the same port")
    finally:
        first.close()
