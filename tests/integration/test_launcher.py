"""The launcher: killed alone (kill -9) it takes its services with it, and the next one starts a single
set that does not crash-loop; under `make run` a subscriber finds the embedded nats-server, whose port
is picked at start, in data/nats.url (README, "Events")."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nats
import psutil
import pytest

from services.launcher.embedded import free_port
from services.launcher.infra import infrastructure
from shared.platform.settings import Settings
from tests.integration.servers import fresh_database

pytestmark = pytest.mark.integration


def _launch(cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "services"], cwd=cwd, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no /healthz within {timeout} s: {log.read_text()[-3000:]}")


def _services_in(folder: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        cmd = proc.info["cmdline"] or []
        if proc.info["cwd"] == str(folder) and len(cmd) >= 3 and cmd[1] == "-m" and cmd[2].startswith("services."):
            found.append(proc)
    return found


async def test_a_launcher_killed_alone_leaves_one_set_of_services_and_no_crash_loop(tmp_path, nats_url):
    port = free_port()
    log = tmp_path / "launcher.log"
    async with fresh_database() as database_url:
        env = {**os.environ, "DATABASE_URL": database_url, "NATS_URL": nats_url, "API_PORT": str(port),
               "STORAGE_URL": (tmp_path / "lake").as_uri(), "LOG_LEVEL": "info",
               "METRICS_PORT": "0"}
        first = _launch(tmp_path, env, log)
        _wait_healthy(port, first, log)
        children = psutil.Process(first.pid).children()
        assert len(children) == 5

        second = _launch(tmp_path, env, log)  # while the first holds the folder
        assert second.wait(30) == 2
        assert "another launcher" in log.read_text()

        first.send_signal(signal.SIGKILL)
        first.wait(10)
        _, alive = psutil.wait_procs(children, timeout=30)
        for proc in alive:  # so that a failure here leaves nothing running
            proc.kill()
        assert alive == [], f"services outlived their launcher: {[p.pid for p in alive]}"

        again = _launch(tmp_path, env, log)
        try:
            _wait_healthy(port, again, log)
            await asyncio.sleep(5)  # long enough for a crash loop to show
            services = _services_in(tmp_path)
            assert sorted(p.info["cmdline"][2] for p in services) == sorted(
                f"services.{n}" for n in ("api", "coverage", "fetcher", "rebuilder", "writer"))
            assert all(p.ppid() == again.pid for p in services)
            assert "service.exited" not in log.read_text()
        finally:
            again.send_signal(signal.SIGINT)
            assert again.wait(60) == 0


async def test_the_embedded_nats_url_is_written_while_it_runs(tmp_path, database_url):
    with infrastructure(Settings(database_url=database_url, nats_url=None), tmp_path) as env:
        url = (tmp_path / "nats.url").read_text().strip()
        assert url == env["NATS_URL"] and url.startswith("nats://127.0.0.1:")
        nc = await nats.connect(url)
        await nc.close()
    assert not (tmp_path / "nats.url").exists()
