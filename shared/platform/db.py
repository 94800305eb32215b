"""The PostgreSQL pool, with the SQL migrations applied idempotently at start."""

from __future__ import annotations

import contextlib
import json
from importlib import resources

import asyncpg
import structlog

log = structlog.get_logger()

# Any constant works; it only keeps replicas that start together from migrating at once.
_MIGRATION_LOCK = 7_204_311


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection)
    await migrate(pool)
    return pool


def _migration_files() -> list[tuple[str, str]]:
    folder = resources.files("shared.platform") / "migrations"
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql"))
    return [(f.name.removesuffix(".sql"), f.read_text()) for f in files]


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Applies the migrations not applied yet, in order, one holder at a time; returns their versions."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, sql in _migration_files():
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
                log.info("migration.applied", version=version)
                applied.append(version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied


@contextlib.asynccontextmanager
async def advisory_lock(pool: asyncpg.Pool, key: str):
    """One holder of `key` at a time, across processes and replicas; the lock goes if its holder dies."""
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
        try:
            yield conn
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)
