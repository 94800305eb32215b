"""python -m services.api: the HTTP API on API_HOST:API_PORT."""

from aiohttp import web

from services.api.app import create_app
from shared.platform.log import setup_logging
from shared.platform.settings import get_settings
from shared.service.runtime import require_connections


def main() -> None:
    settings = require_connections(get_settings())
    log = setup_logging("api", settings.log_level, settings.instance_id)
    log.info("api.listening", host=settings.api_host, port=settings.api_port)
    web.run_app(create_app(settings), host=settings.api_host, port=settings.api_port, print=None,
                access_log=None, shutdown_timeout=5)


if __name__ == "__main__":
    main()
