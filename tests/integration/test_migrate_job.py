"""`python -m shared.platform.migrate`, as the rollout's Job runs it: against an empty database it applies
every migration file in order and exits 0; run again (the next rollout's Job, or a service's safety net at
start) it applies nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import asyncpg

from shared.platform.db import _migration_files
from tests.integration.servers import fresh_database
from tests.paths import REPO


def run_migrate(database_url: str) -> list[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "info"}
    proc = subprocess.run([sys.executable, "-m", "shared.platform.migrate"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (done,) = [json.loads(line) for line in proc.stderr.splitlines() if '"migrations.done"' in line]
    return done["applied"]


async def test_the_job_applies_every_migration_once():
    versions = [version for version, _ in _migration_files()]
    async with fresh_database() as url:
        assert run_migrate(url) == versions
        assert run_migrate(url) == []
        conn = await asyncpg.connect(url)
        try:
            stored = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")]
        finally:
            await conn.close()
        assert stored == versions
