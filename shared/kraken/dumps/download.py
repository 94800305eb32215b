"""Where a dump source's files are, and getting one onto local disk: a local file is read where it
lies, a URL is downloaded (conditionally, so an unchanged file is not fetched again) with progress."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import aiohttp

from shared.kraken.dumps.csv_rows import DumpError

Progress = Callable[[int, int | None], Awaitable[None]]
SETTING = {"ohlcvt": "KRAKEN_OHLCVT_SOURCE", "trades": "KRAKEN_TRADES_SOURCE"}
NAME_HINT = {"ohlcvt": "OHLCVT", "trades": "TRADING"}


@dataclass(frozen=True)
class SourceFile:
    name: str
    location: str  # a path or a URL
    stamp: str | None  # size and mtime of a local file; None for a URL (known after asking)


@dataclass(frozen=True)
class Fetched:
    path: Path | None  # None: the server says the file has not changed
    stamp: str | None


def _local(path: Path) -> SourceFile:
    stat = path.stat()
    return SourceFile(path.name, str(path.resolve()), f"{stat.st_size}:{stat.st_mtime_ns}")


async def list_source(kind: str, source: str) -> list[SourceFile]:
    if urlparse(source).scheme in ("http", "https"):
        return [SourceFile(Path(urlparse(source).path).name or f"{kind}.zip", source, None)]
    return await asyncio.to_thread(_list_local, kind, source)


def _list_local(kind: str, source: str) -> list[SourceFile]:
    path = Path(source.removeprefix("file://")).expanduser()
    if path.is_file():
        return [_local(path)]
    if path.is_dir():
        zips = sorted(p for p in path.iterdir() if p.suffix.lower() == ".zip" and p.is_file())
        named = [p for p in zips if NAME_HINT[kind] in p.name.upper()]
        return [_local(p) for p in (named or zips)]
    raise DumpError(f"{SETTING[kind]}={source!r}: no such file or folder")


def sha256_of(path: Path) -> tuple[str, int]:
    """The file's sha256 and size."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


async def _download(url: str, old_stamp: str | None, target: Path, progress: Progress | None) -> Fetched:
    headers = {"If-None-Match": old_stamp} if old_stamp else {}
    timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url, headers=headers) as resp:
        if resp.status == 304:
            return Fetched(None, old_stamp)
        if resp.status != 200:
            raise DumpError(f"downloading {url} failed: HTTP {resp.status}")
        total, done, shown = resp.content_length, 0, 0.0
        with open(target, "wb") as f:  # noqa: ASYNC230 - 1 MiB writes to local disk between network reads
            async for chunk in resp.content.iter_chunked(1 << 20):
                f.write(chunk)
                done += len(chunk)
                if progress is not None and time.monotonic() - shown > 0.5:
                    shown = time.monotonic()
                    await progress(done, total)
        if progress is not None:
            await progress(done, total)
        return Fetched(target, resp.headers.get("ETag") or resp.headers.get("Last-Modified"))


@contextlib.asynccontextmanager
async def fetch_to(file: SourceFile, old_manifest: dict | None, progress: Progress | None) -> AsyncIterator[Fetched]:
    if file.stamp is not None:
        yield Fetched(Path(file.location), file.stamp)
        return
    old_stamp = old_manifest.get("stamp") if old_manifest and old_manifest.get("source") == file.location else None
    with tempfile.TemporaryDirectory(prefix="dump-download-") as tmp:
        try:
            yield await _download(file.location, old_stamp, Path(tmp) / file.name, progress)
        except aiohttp.ClientError as exc:
            raise DumpError(f"downloading {file.location} failed: {exc}") from exc
