"""The image, as far as a machine without a container daemon can take it: its root filesystem built by
the Dockerfile's own steps (deploy/image/build-rootfs.sh runs deploy/image/recipe.sh in a debootstrap
root), then the API and the writer started from it as a container of the image runs
(deploy/image/run-rootfs.sh: the Dockerfile's ENV, USER, WORKDIR and CMD, the root read-only, /tmp a
tmpfs, the lake a volume) against this machine's PostgreSQL and a NATS server on 127.0.0.1. They must
answer their health endpoints (the API's /healthz and /readyz, each one's /livez on its METRICS_PORT,
the writer's /readyz and /metrics), run as uid 10001, stop cleanly on SIGTERM, and leave the root filesystem
as it was built. It takes minutes (a cold build several): `make test-image`, run by CI after `make test`;
tests/conftest.py leaves it out of every other run."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import aiohttp
import psutil
import pytest

from services.launcher.embedded import free_port
from tests.integration.servers import fresh_database
from tests.paths import REPO

pytestmark = [pytest.mark.image, pytest.mark.timeout(2400)]

BUILD = REPO / "deploy" / "image" / "build-rootfs.sh"
RUN = REPO / "deploy" / "image" / "run-rootfs.sh"
SERVICE_UID = 10001


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("image") / "rootfs"
    log = out.parent / "build.log"
    with log.open("wb") as sink:
        built = subprocess.run(["bash", str(BUILD), str(out)], stdout=sink, stderr=subprocess.STDOUT, timeout=2000)
    assert built.returncode == 0, log.read_text()[-5000:]
    yield out
    shutil.rmtree(out)


def tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry of the root filesystem with its mode, size and modification time."""
    entries = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            entries[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return entries


class Container:
    """One command of the image, started by run-rootfs.sh in a process group of its own."""

    def __init__(self, rootfs: Path, log: Path, env: dict[str, str], volumes: dict[Path, str],
                 command: tuple[str, ...] = ()) -> None:
        args = ["bash", str(RUN), str(rootfs)]
        for name, value in env.items():
            args += ["-e", f"{name}={value}"]
        for host, path in volumes.items():
            args += ["-v", f"{host}:{path}"]
        self.log = log
        with log.open("wb") as sink:
            self.proc = subprocess.Popen([*args, *(["--", *command] if command else [])], stdout=sink,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def service(self) -> psutil.Process:
        """The command itself: the one child of unshare, the first process of its PID namespace."""
        children = psutil.Process(self.proc.pid).children()
        assert len(children) == 1, children
        return children[0]

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]

    def stop(self) -> int:
        # unshare itself ignores SIGTERM; the process group holds the command, as a container's stop does.
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(10)


async def until(check, container: Container, what: str, timeout: float = 90) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert container.proc.poll() is None, f"exited with {container.proc.returncode}:\n{container.log.read_text()}"
        assert asyncio.get_running_loop().time() < deadline, f"{what}:\n{container.log.read_text()[-4000:]}"
        await asyncio.sleep(0.5)


def read_only_root(process: psutil.Process) -> bool:
    """Whether the process sees its root filesystem mounted read-only."""
    for line in Path(f"/proc/{process.pid}/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] == "/":
            return "ro" in fields[5].split(",")
    raise AssertionError("no root mount")


async def test_the_api_and_a_worker_start_from_the_image_s_root_filesystem(rootfs, nats_url, tmp_path):
    built = tree(rootfs)
    lake = tmp_path / "lake"
    lake.mkdir()
    os.chown(lake, SERVICE_UID, SERVICE_UID)
    port, api_health, writer_health = free_port(), free_port(), free_port()
    async with fresh_database() as database_url, aiohttp.ClientSession() as http:
        async def answers(port: int, path: str) -> bool:
            try:
                async with http.get(f"http://127.0.0.1:{port}{path}") as resp:
                    return resp.status == 200
            except aiohttp.ClientError:
                return False

        env = {"DATABASE_URL": database_url, "NATS_URL": nats_url, "LOG_LEVEL": "info"}
        # The image's CMD (no command given) is the API. 127.0.0.1 rather than the image's 0.0.0.0, as
        # this is the machine's own network.
        api = Container(rootfs, tmp_path / "api.log", {**env, "API_HOST": "127.0.0.1", "API_PORT": str(port),
                                                        "METRICS_HOST": "127.0.0.1", "METRICS_PORT": str(api_health)},
                        {lake: "/data"})
        writer = None
        try:
            for path in ("/healthz", "/readyz"):
                await until(lambda path=path: answers(port, path), api, f"the API's {path} never answered 200")
            async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                assert (await resp.json())["checks"] == {"postgres": "ok", "nats": "ok"}
            await until(lambda: answers(api_health, "/livez"), api, "the API's /livez never answered 200")
            # The page and what it links to are in the package: its charting library and the docs pages.
            for path in ("/", "/static/app.js", "/static/lightweight-charts.js", "/docs/rest-720"):
                async with http.get(f"http://127.0.0.1:{port}{path}") as resp:
                    assert resp.status == 200, path
            assert api.service().uids().real == SERVICE_UID
            assert read_only_root(api.service())

            writer = Container(rootfs, tmp_path / "writer.log",
                               {**env, "METRICS_HOST": "127.0.0.1", "METRICS_PORT": str(writer_health)},
                               {lake: "/data"}, ("python", "-m", "services.writer"))
            for path in ("/livez", "/readyz"):
                await until(lambda path=path: answers(writer_health, path), writer,
                            f"the writer's {path} never answered 200")
            async with http.get(f"http://127.0.0.1:{writer_health}/metrics") as resp:
                assert resp.status == 200 and "candles_" in await resp.text()
            assert any(line.get("event") == "service.started" for line in writer.lines())
            assert writer.service().uids().real == SERVICE_UID
            assert writer.service().cmdline() == ["python", "-m", "services.writer"]
            assert read_only_root(writer.service())
        finally:
            codes = {"api": api.stop(), "writer": writer.stop() if writer else None}
        # SIGTERM reaches each service as the first process of its namespace, and each stops cleanly.
        assert codes == {"api": 0, "writer": 0}, api.log.read_text()[-3000:] + writer.log.read_text()[-3000:]
        assert "service.stopping" in [line["event"] for line in writer.lines()]
    assert tree(rootfs) == built
