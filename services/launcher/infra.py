"""PostgreSQL and NATS for a one-machine run: the configured ones, or embedded ones under ./data."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path

import structlog

from services.launcher.embedded import start_nats, start_postgres
from services.launcher.ownership import die_with_parent
from shared.platform.settings import Settings

log = structlog.get_logger()
NATS_URL_FILE = "nats.url"  # under the data folder, while an embedded nats-server runs


@contextmanager
def infrastructure(settings: Settings, data_dir: Path):
    """Yields the environment the services need; stops what it started."""
    env: dict[str, str] = {}
    url_file = data_dir / NATS_URL_FILE
    nats_proc: subprocess.Popen | None = None
    pg_server = None
    try:
        if settings.database_url:
            env["DATABASE_URL"] = settings.database_url
        else:
            pg_server, env["DATABASE_URL"] = start_postgres(data_dir / "postgres")
            log.info("postgres.embedded", data_dir=str(data_dir / "postgres"))
        if settings.nats_url:
            env["NATS_URL"] = settings.nats_url
        else:
            # A launcher killed alone must not leave its nats-server holding the store.
            nats_proc, env["NATS_URL"] = start_nats(data_dir / "nats", preexec_fn=die_with_parent)
            # Its port is free-picked at each start: a subscriber outside the system reads it here.
            url_file.write_text(env["NATS_URL"] + "\n")
            log.info("nats.embedded", url=env["NATS_URL"], url_file=str(url_file))
        yield env
    finally:
        if nats_proc is not None:
            url_file.unlink(missing_ok=True)
            nats_proc.terminate()
            try:
                nats_proc.wait(10)
            except subprocess.TimeoutExpired:
                nats_proc.kill()
        if pg_server is not None:
            pg_server.cleanup()  # cleanup_mode="stop": stops the server, keeps the data
