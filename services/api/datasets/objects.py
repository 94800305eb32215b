"""A dataset file's object as a local file the API can serve with Range requests: the lake's own file
on local storage; on S3 a copy in a cache folder, fetched once. The object never changes (its key is
its hash), so a cached copy can never be stale; it is renamed into place whole."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path

from shared.exports.manifest import object_key
from shared.lake.storage import LocalStorage, Storage

CACHE = Path(tempfile.gettempdir()) / "candle-history-dataset-objects"


async def local_object(storage: Storage, sha256: str) -> Path | None:
    key = object_key(sha256)
    if isinstance(storage, LocalStorage):
        path = storage.path(key)
        return path if await storage.exists(key) else None
    target = CACHE / f"{sha256}.parquet"
    if await asyncio.to_thread(target.is_file):
        return target
    await asyncio.to_thread(CACHE.mkdir, parents=True, exist_ok=True)
    part = CACHE / f".{sha256}.{uuid.uuid4().hex}.part"
    try:
        if not await storage.get_file(key, part):
            return None
        await asyncio.to_thread(os.replace, part, target)
    finally:
        await asyncio.to_thread(part.unlink, missing_ok=True)
    return target
