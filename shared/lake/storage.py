"""Object storage for the lake: local files or S3. Writes are atomic: a reader sees the old object
or the new one, never a part (local: temp file + fsync + rename; S3: a PUT is atomic)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse


class Storage(Protocol):
    async def read(self, key: str) -> bytes | None: ...
    async def write_atomic(self, key: str, data: bytes) -> None: ...
    async def put_file(self, key: str, path: Path) -> None: ...
    async def get_file(self, key: str, path: Path) -> bool: ...
    async def list(self, prefix: str) -> list[str]: ...
    async def delete(self, key: str) -> None: ...
    async def exists(self, key: str) -> bool: ...
    def uri(self, key: str) -> str: ...


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        return self.root / key

    def uri(self, key: str) -> str:
        # Not Path.as_uri(): it escapes the "=" of Hive partition names, and people read these paths.
        return f"file://{self.path(key)}"

    async def read(self, key: str) -> bytes | None:
        path = self.path(key)
        return await asyncio.to_thread(path.read_bytes) if path.exists() else None

    async def write_atomic(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A hidden temp name: readers of the folder (polars, DuckDB) skip files starting with a dot.
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    async def put_file(self, key: str, path: Path) -> None:
        """Copies a (possibly large) file in, streaming, and renames it into place when whole."""
        await asyncio.to_thread(self._copy, Path(path), self.path(key))

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 8 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, target)

    async def get_file(self, key: str, path: Path) -> bool:
        if not self.path(key).exists():
            return False
        await asyncio.to_thread(self._copy, self.path(key), Path(path))
        return True

    async def list(self, prefix: str) -> list[str]:
        base = self.path(prefix)
        if not base.exists():
            return []
        files = await asyncio.to_thread(lambda: [p for p in base.rglob("*") if p.is_file()])
        return sorted(str(p.relative_to(self.root)) for p in files if not p.name.startswith("."))

    async def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    async def exists(self, key: str) -> bool:
        return self.path(key).is_file()


class S3Storage:
    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None = None) -> None:
        import aioboto3

        self.bucket, self.prefix, self.endpoint_url = bucket, prefix.strip("/"), endpoint_url
        self.session = aioboto3.Session()

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def _client(self):
        return self.session.client("s3", endpoint_url=self.endpoint_url)

    async def read(self, key: str) -> bytes | None:
        async with self._client() as s3:
            try:
                obj = await s3.get_object(Bucket=self.bucket, Key=self._key(key))
            except s3.exceptions.NoSuchKey:
                return None
            return await obj["Body"].read()

    async def write_atomic(self, key: str, data: bytes) -> None:
        async with self._client() as s3:
            await s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    async def put_file(self, key: str, path: Path) -> None:
        # upload_file sends large files in parts; the object appears only when the upload completes.
        async with self._client() as s3:
            await s3.upload_file(str(path), self.bucket, self._key(key))

    async def get_file(self, key: str, path: Path) -> bool:
        async with self._client() as s3:
            try:
                await s3.download_file(self.bucket, self._key(key), str(path))
            except Exception as exc:
                if "404" in str(exc) or "NoSuchKey" in str(exc) or "Not Found" in str(exc):
                    return False
                raise
        return True

    async def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        strip = len(self._key(""))
        async with self._client() as s3:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._key(prefix))
            async for page in pages:
                keys.extend(o["Key"][strip:] for o in page.get("Contents", []))
        return sorted(keys)

    async def delete(self, key: str) -> None:
        async with self._client() as s3:
            await s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        async with self._client() as s3:
            try:
                await s3.head_object(Bucket=self.bucket, Key=self._key(key))
            except s3.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
        return True


def open_storage(url: str, endpoint_url: str | None = None) -> Storage:
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return S3Storage(parsed.netloc, parsed.path, endpoint_url)
    if parsed.scheme in ("file", ""):
        return LocalStorage((parsed.netloc + parsed.path) if parsed.scheme else url)
    raise ValueError(f"STORAGE_URL must be file://… or s3://…, not {url!r}")
