"""Running one measured piece of work in a subprocess of its own: its time (imports excluded) and its
own peak RSS, so one benchmark's memory never counts against another's."""

from __future__ import annotations

import importlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def peak_rss() -> int:
    """This process's own high-water RSS. Not getrusage's ru_maxrss: that keeps the forking parent's
    peak across exec, so a child would report the benchmark driver's memory as its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(work: Callable[..., int], imports: list[str], *args: Path, warmup: tuple[Path, ...] | None = None) -> None:
    for module in imports:  # loaded before the clock starts: imports are not the work
        importlib.import_module(module)
    if warmup is not None:  # thread pools and first-call setup are not the work either
        work(*warmup)
    start = time.perf_counter()
    rows = work(*args)
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": rows, "seconds": seconds, "rss": peak_rss()}))


def run_child(module: str, mode: str, *args: Path) -> dict:
    cmd = [sys.executable, "-m", module, "--child", mode, *map(str, args)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])
