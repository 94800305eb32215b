"""python -m services (make run): the whole system on one machine. Ctrl-C stops all of it."""

import asyncio
import signal
import sys
from pathlib import Path

from services.launcher.infra import infrastructure
from services.launcher.ownership import LauncherRunning, sole_launcher
from services.launcher.supervisor import Supervisor
from shared.platform.log import setup_logging
from shared.platform.settings import get_settings

DATA = Path("data")


async def run(env: dict[str, str], pids_file: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await Supervisor(env, pids_file=pids_file).run(stop)


def main() -> None:
    settings = get_settings()
    log = setup_logging("launcher", settings.log_level)
    try:
        with sole_launcher(DATA) as pids_file, infrastructure(settings, DATA) as env:
            log.info("system.starting", api=f"http://{settings.api_host}:{settings.api_port}")
            asyncio.run(run(env, pids_file))
    except LauncherRunning as exc:
        log.error("launcher.refused", reason=str(exc))
        sys.exit(2)


if __name__ == "__main__":
    main()
