"""`python -m tests.kraken_sim` serves the same simulator on a port."""

from __future__ import annotations

import asyncio
import re
import sys

from tests.kraken_sim.__main__ import parse_args
from tests.paths import REPO

from .helpers import get_json, get_raw


def test_arguments():
    args = parse_args(["--port", "0", "--seed", "4", "--now", "real", "--speed", "60",
                       "--faults", "520:0.1", "--no-rate-limit"])
    assert (args.port, args.seed, args.now, args.speed, args.faults, args.no_rate_limit) == \
        (0, 4, "real", 60.0, "520:0.1", True)
    assert (parse_args([]).rate_burst, parse_args([]).rate_decay) == (15.0, 1.0)


async def test_cli_serves_and_logs_one_line():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.kraken_sim", "--port", "0", "--seed", "7",
        "--now", "2024-05-01T00:00:00Z", "--faults", "503:1", "--rate-burst", "2",
        cwd=REPO, stderr=asyncio.subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(proc.stderr.readline(), 20)).decode()
        url = re.search(r"listening on (http://\S+)", line).group(1)
        assert (await get_raw(url, "/0/public/Time"))[0] == 503          # every call faulted
        async with asyncio.timeout(5):
            stats = await get_json(url, "/_sim/stats")
        assert stats["Time"] == 1 and stats["faults"] == 1
    finally:
        proc.terminate()
        await proc.wait()
