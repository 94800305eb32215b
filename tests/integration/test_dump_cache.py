"""The dump cache against real servers: PostgreSQL for the manifest tables, and both local files and a
real S3 protocol server (moto in server mode) for the raw/ copies. Sources: a folder, and a URL served
over HTTP with progress and conditional requests; a re-issued file is detected and reported."""

from __future__ import annotations

import io
import zipfile

import asyncpg
import boto3
import pytest
from aiohttp import web
from moto.server import ThreadedMotoServer

from services.launcher.embedded import free_port
from shared.kraken.dumps.cache import local_zip, sync_dumps
from shared.kraken.dumps.ohlcvt import iter_member_candles
from shared.lake.storage import LocalStorage, S3Storage
from shared.platform.db import create_pool
from tests.integration.servers import fresh_database
from tests.paths import KRAKEN_DATA

REAL = KRAKEN_DATA / "ohlcvt" / "dump_2020Q3_hourly" / "XBTUSD_60.csv"


def ohlcvt_zip(rows: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("XBTUSD_60.csv", "\n".join(REAL.read_text().splitlines()[:rows]) + "\n")
    return out.getvalue()


@pytest.fixture(scope="module")
def s3_endpoint(monkeypatch_module):
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch_module.setenv(name, value)
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="lake")
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
async def own_database():
    # Not the session's database: dumps cached here must not show up in other tests' plans.
    async with fresh_database() as url:
        yield url


@pytest.fixture
async def pool(own_database):
    pool = await create_pool(own_database)
    await pool.execute("DELETE FROM dump_files")
    yield pool
    await pool.close()


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "lake")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage("lake", f"run-{tmp_path.name}", endpoint)


async def members(pool: asyncpg.Pool) -> list[tuple]:
    rows = await pool.fetch("SELECT name, member, minutes, rows FROM dump_members ORDER BY name, member")
    return [tuple(r) for r in rows]


async def test_a_folder_is_cached_once_and_a_reissue_is_reported(pool, storage, tmp_path):
    folder = tmp_path / "source"
    folder.mkdir()
    (folder / "Kraken_OHLCVT.zip").write_bytes(ohlcvt_zip(100))
    (folder / "notes.txt").write_text("not a dump")
    messages: list[str] = []

    async def notify(text: str) -> None:
        messages.append(text)

    (first,) = await sync_dumps("ohlcvt", str(folder), storage, pool, notify)
    assert await members(pool) == [("Kraken_OHLCVT.zip", "XBTUSD_60.csv", 60, 100)]
    assert await storage.read("raw/kraken/ohlcvt/Kraken_OHLCVT.zip") == (folder / "Kraken_OHLCVT.zip").read_bytes()
    assert b'"sha256":"' + first.sha256.encode() in await storage.read("raw/kraken/ohlcvt/Kraken_OHLCVT.zip.manifest.json")
    async with local_zip(storage, first.artifact) as path:
        assert sum(t.num_rows for t in iter_member_candles(path, "XBTUSD_60.csv")) == 100

    (again,) = await sync_dumps("ohlcvt", str(folder), storage, pool, notify)
    assert again == first and messages == []

    (folder / "Kraken_OHLCVT.zip").write_bytes(ohlcvt_zip(150))  # Kraken re-issues the file
    (reissued,) = await sync_dumps("ohlcvt", str(folder), storage, pool, notify)
    assert reissued.reissued_from == first.sha256 and reissued.sha256 != first.sha256
    assert len(messages) == 1 and messages[0].startswith("Kraken re-issued Kraken_OHLCVT.zip: sha256 ")
    assert await members(pool) == [("Kraken_OHLCVT.zip", "XBTUSD_60.csv", 60, 150)]
    assert await storage.read("raw/kraken/ohlcvt/Kraken_OHLCVT.zip") == (folder / "Kraken_OHLCVT.zip").read_bytes()


async def test_a_url_is_downloaded_with_progress_and_not_again_when_unchanged(pool, storage):
    body = ohlcvt_zip(5000)
    gets: list[str | None] = []

    async def serve(request: web.Request) -> web.StreamResponse:
        gets.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        resp = web.StreamResponse(headers={"ETag": '"v1"', "Content-Length": str(len(body))})
        await resp.prepare(request)
        for i in range(0, len(body), 4096):
            await resp.write(body[i:i + 4096])
        return resp

    app = web.Application()
    app.router.add_get("/files/Kraken_OHLCVT.zip", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    seen: list[tuple[int, int | None]] = []

    async def progress(done: int, total: int | None) -> None:
        seen.append((done, total))

    try:
        url = f"http://127.0.0.1:{port}/files/Kraken_OHLCVT.zip"
        (cached,) = await sync_dumps("ohlcvt", url, storage, pool, progress=progress)
        assert seen[-1] == (len(body), len(body))
        assert await storage.read(cached.artifact) == body
        (again,) = await sync_dumps("ohlcvt", url, storage, pool, progress=progress)
        assert again.sha256 == cached.sha256 and gets == [None, '"v1"']
    finally:
        await runner.cleanup()


async def test_a_missing_source_names_the_setting(pool, storage, tmp_path):
    with pytest.raises(Exception, match="KRAKEN_OHLCVT_SOURCE=.*no such file or folder"):
        await sync_dumps("ohlcvt", str(tmp_path / "nowhere"), storage, pool)
