"""One launcher per data folder, and children that never outlive it.

A launcher killed alone (kill -9) used to leave its services running; a new launcher then started a
second set, whose API crash-looped on its taken port. Now:
- the launcher holds an exclusive lock on `<data>/launcher.lock` while it runs, so a second one
  refuses to start and says which pid holds the folder (the kernel drops the lock when its holder
  dies, however it dies);
- each child asks the kernel for SIGTERM when the launcher dies (Linux' PR_SET_PDEATHSIG), so it
  drains and stops on its own;
- the children's pids are written to `<data>/launcher.pids`; a new launcher stops any of them that is
  still alive (a system without PR_SET_PDEATHSIG, or a child that ignored it) before it starts its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import structlog

log = structlog.get_logger()
_PR_SET_PDEATHSIG = 1
LEFTOVER_GRACE_S = 15.0


class LauncherRunning(RuntimeError):
    """Another launcher already runs on the same data folder."""


def die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGTERM when the launcher goes, however it goes."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def sole_launcher(data_dir: Path) -> Iterator[Path]:
    """Holds the data folder for this launcher; yields the file where children's pids are kept."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_file = (data_dir / "launcher.lock").open("a+")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.seek(0)
        holder = lock_file.read().strip() or "unknown"
        lock_file.close()
        raise LauncherRunning(f"another launcher (pid {holder}) is running on {data_dir}/: stop it first") from None
    lock_file.truncate(0)
    lock_file.write(str(os.getpid()))
    lock_file.flush()
    pids = data_dir / "launcher.pids"
    stop_leftovers(pids)
    try:
        yield pids
    finally:
        pids.unlink(missing_ok=True)
        lock_file.close()


def stop_leftovers(pids_file: Path) -> None:
    """Stops the services a dead launcher left behind (only processes that are still our services)."""
    if not pids_file.exists():
        return
    leftovers = []
    for line in pids_file.read_text().split():
        with contextlib.suppress(ValueError, psutil.Error):
            proc = psutil.Process(int(line))
            if any(part.startswith("services.") for part in proc.cmdline()):
                leftovers.append(proc)
    for proc in leftovers:
        log.warning("launcher.leftover_stopped", pid=proc.pid, cmdline=" ".join(proc.cmdline()[-2:]))
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(leftovers, timeout=LEFTOVER_GRACE_S)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    pids_file.unlink(missing_ok=True)


def record_pids(pids_file: Path | None, pids: list[int]) -> None:
    if pids_file is not None:
        tmp = pids_file.with_suffix(".tmp")
        tmp.write_text("\n".join(str(p) for p in pids) + "\n")
        tmp.replace(pids_file)
