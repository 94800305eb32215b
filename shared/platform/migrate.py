"""python -m shared.platform.migrate: applies the pending SQL migrations of shared/platform/migrations/
once, under their advisory lock, and exits: a rollout's migration Job (deploy/k8s/base/migrate.yaml).
The services still migrate at start under the same lock; once this has run they find nothing to do."""

from __future__ import annotations

import asyncio

import asyncpg

from shared.platform.db import migrate
from shared.platform.log import setup_logging
from shared.platform.settings import get_settings


async def run(database_url: str) -> list[str]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        return await migrate(pool)
    finally:
        await pool.close()


def main() -> None:
    settings = get_settings()
    if not settings.database_url:
        raise SystemExit("DATABASE_URL is not set: the migrations need the database to apply them to")
    log = setup_logging("migrate", settings.log_level)
    applied = asyncio.run(run(settings.database_url))
    log.info("migrations.done", applied=applied)


if __name__ == "__main__":
    main()
