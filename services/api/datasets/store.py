"""The datasets tables (migration 009) and the lake objects they name. Objects are shared between
datasets with the same bytes, so making one and deleting one both hold one advisory lock: a delete can
never remove an object that a dataset being stored has just found in place."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg

from shared.exports.manifest import DatasetManifest, object_key
from shared.lake.storage import Storage

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('datasets:objects', 0))"
COLUMNS = ("d.id, d.exchange, d.start_ts, d.end_ts, d.created_at, d.verified_at, d.verified_ok,"
           " (SELECT array_agg(name ORDER BY labelled_at, name) FROM dataset_labels l WHERE l.dataset_id = d.id)"
           " AS names")


@contextlib.asynccontextmanager
async def objects_locked(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_LOCK)
        yield conn


async def save(pool: asyncpg.Pool, storage: Storage, dataset_id: str, manifest: DatasetManifest, name: str,
                staged: dict[str, Path]) -> tuple[bool, asyncpg.Record]:
    """Puts each file's object in place unless it is there already (never replaced: same key, same
    bytes), then the rows. Returns (created, row); a dataset that exists only gains the label."""
    request = manifest.request
    async with objects_locked(pool) as conn:
        for f in manifest.files:
            key = object_key(f.sha256)
            if not await storage.exists(key):
                await storage.put_file(key, staged[f.name])
        created = await conn.fetchval(
            "INSERT INTO datasets (id, exchange, start_ts, end_ts, manifest) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (id) DO NOTHING RETURNING true", dataset_id, request.exchange,
            datetime.fromisoformat(request.start_timestamp), datetime.fromisoformat(request.end_timestamp),
            manifest.model_dump(mode="json", exclude={"files": {"__all__": {"url"}}}))
        await conn.executemany("INSERT INTO dataset_files (dataset_id, name, sha256) VALUES ($1, $2, $3)"
                               " ON CONFLICT DO NOTHING", [(dataset_id, f.name, f.sha256) for f in manifest.files])
        await conn.execute("INSERT INTO dataset_labels (dataset_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           dataset_id, name)
        row = await conn.fetchrow(f"SELECT {COLUMNS}, d.manifest FROM datasets d WHERE d.id = $1", dataset_id)
    return bool(created), row


async def one(pool: asyncpg.Pool, dataset_id: str) -> asyncpg.Record | None:
    return await pool.fetchrow(f"SELECT {COLUMNS}, d.manifest FROM datasets d WHERE d.id = $1", dataset_id)


async def page(pool: asyncpg.Pool, limit: int, before: tuple[datetime, str] | None) -> list[asyncpg.Record]:
    """Newest first; `before` (created_at, id) is the last of the previous page."""
    summary = (f"SELECT {COLUMNS}, d.manifest->'request' AS request,"
               " (SELECT count(*) FROM dataset_files f WHERE f.dataset_id = d.id) AS files,"
               " (SELECT coalesce(sum((f->>'rows')::bigint), 0) FROM jsonb_array_elements(d.manifest->'files') f)"
               " AS rows FROM datasets d")
    if before is None:
        return await pool.fetch(f"{summary} ORDER BY d.created_at DESC, d.id DESC LIMIT $1", limit)
    return await pool.fetch(f"{summary} WHERE (d.created_at, d.id) < ($2, $3) ORDER BY d.created_at DESC,"
                            " d.id DESC LIMIT $1", limit, *before)


async def verified(pool: asyncpg.Pool, dataset_id: str, ok: bool) -> datetime:
    return await pool.fetchval("UPDATE datasets SET verified_at = now(), verified_ok = $2 WHERE id = $1"
                               " RETURNING verified_at", dataset_id, ok)


async def delete(pool: asyncpg.Pool, storage: Storage, dataset_id: str) -> int | None:
    """Removes the dataset and its labels, and the objects no other dataset names. None: no such dataset."""
    async with objects_locked(pool) as conn:
        shas = await conn.fetch("SELECT DISTINCT sha256 FROM dataset_files WHERE dataset_id = $1", dataset_id)
        if await conn.fetchval("DELETE FROM datasets WHERE id = $1 RETURNING true", dataset_id) is None:
            return None
        orphans = [r["sha256"] for r in shas if not await conn.fetchval(
            "SELECT 1 FROM dataset_files WHERE sha256 = $1 LIMIT 1", r["sha256"])]
        for sha in orphans:
            await storage.delete(object_key(sha))
    return len(orphans)
