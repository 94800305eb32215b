"""Real servers for the integration tiers: a nats-server -js of our own on a random port with a
temporary store, and a fresh PostgreSQL database per test session."""

from __future__ import annotations

import contextlib
import os
import uuid

import asyncpg
import pytest
from hypothesis import settings

from services.launcher.embedded import start_nats

# Timings on a shared 2-core machine vary; hypothesis' per-example deadline would make them flaky.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

ADMIN_URL = os.environ.get("TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory):
    proc, url = start_nats(tmp_path_factory.mktemp("nats"))
    yield url
    proc.terminate()
    proc.wait(10)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_database():
    name = f"candles_test_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def database_url():
    async with fresh_database() as url:
        yield url
