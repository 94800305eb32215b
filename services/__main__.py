"""python -m services (make run): the whole system on one machine. Ctrl-C stops all of it."""

import asyncio
import signal
from pathlib import Path

from services.launcher.infra import infrastructure
from services.launcher.supervisor import Supervisor
from shared.platform.log import setup_logging
from shared.platform.settings import get_settings


async def run(env: dict[str, str]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await Supervisor(env).run(stop)


def main() -> None:
    settings = get_settings()
    log = setup_logging("launcher", settings.log_level)
    with infrastructure(settings, Path("data")) as env:
        log.info("system.starting", api=f"http://{settings.api_host}:{settings.api_port}")
        asyncio.run(run(env))


if __name__ == "__main__":
    main()
