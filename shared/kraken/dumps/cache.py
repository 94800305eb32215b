"""Kraken's dump ZIPs, from where KRAKEN_OHLCVT_SOURCE / KRAKEN_TRADES_SOURCE say (a URL, a ZIP, or a
folder of ZIPs), cached once in the object store under raw/kraken/<kind>/ with a manifest beside each.

Kraken hosts the dumps with no stable link and sometimes re-issues a file under the same name, so a
file is known by its sha256: a new hash under an old name is reported, then replaces the cache."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
import orjson
import structlog

from shared.kraken.dumps.csv_rows import DumpError
from shared.kraken.dumps.download import SourceFile, fetch_to, list_source, sha256_of
from shared.kraken.dumps.ohlcvt import scan_zip
from shared.lake.storage import LocalStorage, Storage
from shared.lake.timeframes import from_ms
from shared.platform.db import advisory_lock

log = structlog.get_logger()
Notify = Callable[[str], Awaitable[None]]
Progress = Callable[[int, int | None], Awaitable[None]]


@dataclass(frozen=True)
class CachedDump:
    name: str
    sha256: str
    artifact: str  # key in the object store
    reissued_from: str | None = None


def raw_key(kind: str, name: str) -> str:
    return f"raw/kraken/{kind}/{name}"


async def _manifest(storage: Storage, kind: str, name: str) -> dict | None:
    data = await storage.read(raw_key(kind, name) + ".manifest.json")
    return orjson.loads(data) if data else None


async def _record(pool: asyncpg.Pool, manifest: dict) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO dump_files (kind, name, sha256, size, source, artifact) VALUES ($1,$2,$3,$4,$5,$6)"
            " ON CONFLICT (kind, name) DO UPDATE SET sha256 = $3, size = $4, source = $5, artifact = $6,"
            " cached_at = now()", manifest["kind"], manifest["name"], manifest["sha256"], manifest["size"],
            manifest["source"], manifest["artifact"])
        await conn.execute("DELETE FROM dump_members WHERE kind = $1 AND name = $2", manifest["kind"], manifest["name"])
        await conn.executemany(
            "INSERT INTO dump_members (kind, name, member, altname, minutes, first_ts, last_ts, rows)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            [(manifest["kind"], manifest["name"], m["member"], m["altname"], m["minutes"],
              None if m["first_ms"] is None else from_ms(m["first_ms"]),
              None if m["last_ms"] is None else from_ms(m["last_ms"]), m["rows"]) for m in manifest["members"]])


def _unchanged(manifest: dict | None, file: SourceFile) -> bool:
    return bool(manifest) and manifest.get("source") == file.location and file.stamp is not None \
        and manifest.get("stamp") == file.stamp


async def _cache(kind: str, file: SourceFile, path: Path, stamp: str | None, storage: Storage,
                 old: dict | None) -> dict:
    sha, size = await asyncio.to_thread(sha256_of, path)
    try:  # a broken ZIP fails here, before anything is cached
        members = await asyncio.to_thread(scan_zip, path)
    except zipfile.BadZipFile as exc:
        raise DumpError(f"{file.name} is not a readable ZIP: {exc}") from exc
    manifest = {"name": file.name, "kind": kind, "sha256": sha, "size": size,
                "source": file.location, "stamp": stamp, "artifact": raw_key(kind, file.name),
                "members": [asdict(m) for m in members],
                "reissued_from": old["sha256"] if old and old["sha256"] != sha else None}
    if not old or old["sha256"] != sha:
        await storage.put_file(raw_key(kind, file.name), path)
    await storage.write_atomic(raw_key(kind, file.name) + ".manifest.json", orjson.dumps(manifest))
    return manifest


async def _sync_one(kind: str, file: SourceFile, storage: Storage, pool: asyncpg.Pool,
                    notify: Notify | None, progress: Progress | None) -> CachedDump:
    old = await _manifest(storage, kind, file.name)
    if _unchanged(old, file):
        manifest = old
    else:
        async with fetch_to(file, old, progress) as fetched:
            manifest = old if fetched.path is None else await _cache(kind, file, fetched.path, fetched.stamp,
                                                                       storage, old)
        if manifest.get("reissued_from") and notify is not None:
            await notify(f"Kraken re-issued {file.name}: sha256 {manifest['reissued_from'][:12]}… →"
                         f" {manifest['sha256'][:12]}…; the cache now holds the new file")
    await _record(pool, manifest)
    log.info("dump.synced", kind=kind, name=file.name, sha256=manifest["sha256"][:12], members=len(manifest["members"]))
    return CachedDump(file.name, manifest["sha256"], manifest["artifact"], manifest.get("reissued_from"))


async def sync_dumps(kind: str, source: str, storage: Storage, pool: asyncpg.Pool, notify: Notify | None = None,
                     progress: Progress | None = None) -> list[CachedDump]:
    """Caches every ZIP of `source` that is new or changed. A file that is not a usable ZIP is
    reported and skipped: the other files still serve."""
    files = await list_source(kind, source)
    out = []
    async with advisory_lock(pool, f"dumps:{kind}"):  # one syncing replica at a time
        for file in files:
            try:
                out.append(await _sync_one(kind, file, storage, pool, notify, progress))
            except DumpError as exc:
                log.warning("dump.skipped", kind=kind, name=file.name, error=str(exc)[:300])
                if notify is not None:
                    await notify(f"Skipped {file.name}: {exc}")
    return out


@contextlib.asynccontextmanager
async def local_zip(storage: Storage, artifact: str) -> AsyncIterator[Path]:
    """A local path to read a cached ZIP with zipfile (which needs to seek)."""
    if isinstance(storage, LocalStorage):
        yield storage.path(artifact)
        return
    with tempfile.TemporaryDirectory(prefix="dump-") as tmp:
        path = Path(tmp) / Path(artifact).name
        if not await storage.get_file(artifact, path):
            raise DumpError(f"the cached dump {artifact} is gone from the object store")
        yield path
