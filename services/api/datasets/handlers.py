"""The dataset routes: POST /api/datasets (freeze, or find the same content), GET /api/datasets (pages),
GET /api/datasets/{id}, its files and manifest.json, POST /api/datasets/{id}/verify, DELETE."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from aiohttp import web

from services.api.datasets import store
from services.api.datasets.events import announce
from services.api.datasets.freeze import freeze, reports
from services.api.datasets.incomplete import refusal
from services.api.datasets.objects import local_object
from services.api.datasets.requests import DatasetRequest, check_dataset
from services.api.datasets.views import dataset_summary, dataset_view
from services.api.errors import ApiError
from services.api.jobs import read_body
from services.api.params import DatasetsQuery, parse_query
from services.api.responses.base import answer
from services.api.responses.datasets import (
    DatasetAnswer,
    DatasetDeleted,
    DatasetPage,
    DatasetVerification,
    FileCheck,
)
from services.api.state import BUS, POOL, SETTINGS, STORAGE
from shared.exports.manifest import ID_LENGTH, DatasetManifest, dataset_id, object_key
from shared.exports.snapshot import sha256_of
from shared.jobs.events.datasets import DatasetCreated, DatasetVerified
from shared.lake.timeframes import iso

log = structlog.get_logger()
ID = re.compile(f"^[0-9a-f]{{{ID_LENGTH}}}$")


def _id(request: web.Request) -> str:
    value = request.match_info["id"]
    if not ID.match(value):
        raise ApiError(400, "id", f"a dataset id is {ID_LENGTH} hexadecimal digits (lower case)")
    return value


async def _row(request: web.Request):
    row = await store.one(request.app[POOL], _id(request))
    if row is None:
        raise ApiError(404, "id", "no such dataset", "not_found")
    return row


async def create_dataset(request: web.Request) -> web.Response:
    req = DatasetRequest.model_validate(await read_body(request))
    pool, storage = request.app[POOL], request.app[STORAGE]
    await check_dataset(pool, request.app[SETTINGS], req)
    parts = await reports(pool, req)
    if req.options.require == "complete" and any(p.report.missing for p in parts):
        return await refusal(request, req, parts)
    with tempfile.TemporaryDirectory(prefix="dataset-") as tmp:
        manifest, staged = await freeze(pool, storage, req, parts, Path(tmp))
        did = dataset_id(manifest)
        created, row = await store.save(pool, storage, did, manifest, req.name, staged)
    view = dataset_view(request, row)
    rows = sum(f.rows for f in manifest.files)
    log.info("dataset.frozen" if created else "dataset.found", dataset_id=did, name=req.name,
             files=len(manifest.files), rows=rows)
    if created:
        await announce(request.app[BUS], did, DatasetCreated(
            name=req.name, exchange=req.exchange, symbols=manifest.request.symbols,
            timeframes=manifest.request.timeframes, start_timestamp=manifest.request.start_timestamp,
            end_timestamp=manifest.request.end_timestamp, files=len(manifest.files), rows=rows,
            manifest_url=view.manifest_url), msg_id=f"{did}:created")
    return web.json_response(answer(DatasetAnswer(dataset=view, created=created)), status=201 if created else 200,
                             headers={"Location": f"/api/datasets/{did}"})


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _cursor(row) -> str:
    """The page's last dataset: its creation to the microsecond (exact, unlike a float), and its id."""
    return f"{(row['created_at'] - EPOCH) // MICROSECOND}-{row['id']}"


def _before(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    micros, did = cursor.split("-")
    return EPOCH + int(micros) * MICROSECOND, did


async def list_datasets(request: web.Request) -> web.Response:
    query = parse_query(DatasetsQuery, request)
    rows = await store.page(request.app[POOL], query.limit + 1, _before(query.before))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return web.json_response(answer(DatasetPage(datasets=[dataset_summary(r) for r in rows],
                                                next=_cursor(rows[-1]) if more else None)))


async def get_dataset(request: web.Request) -> web.Response:
    return web.json_response(answer(dataset_view(request, await _row(request))))


async def get_manifest(request: web.Request) -> web.Response:
    view = dataset_view(request, await _row(request))
    return web.json_response(answer(view.manifest), headers={"ETag": f'"{view.id}"'})


async def get_file(request: web.Request) -> web.StreamResponse:
    """Served as a file (aiohttp's FileResponse): Range requests work, which polars and DuckDB make."""
    view = dataset_view(request, await _row(request))
    wanted = request.match_info["name"]
    entry = next((f for f in view.manifest.files if f.name == wanted), None)
    if entry is None:
        raise ApiError(404, "name", f"this dataset has no file {wanted!r}", "not_found")
    path = await local_object(request.app[STORAGE], entry.sha256)
    if path is None:
        raise ApiError(410, "name", "the file is gone from the lake; POST .../verify reports it", "gone")
    return web.FileResponse(path, headers={
        "Content-Type": "application/vnd.apache.parquet", "Content-Disposition": f'attachment; filename="{entry.name}"',
        "Link": f'<{view.manifest_url}>; rel="describedby"; type="application/json"'})


async def _check(storage, folder: Path, name: str, sha256: str) -> FileCheck:
    path = folder / name
    ok = await storage.get_file(object_key(sha256), path) and await asyncio.to_thread(sha256_of, path) == sha256
    path.unlink(missing_ok=True)
    return FileCheck(name=name, sha256=sha256, ok=ok)


async def no_fields(request: web.Request, *, required: bool) -> None:
    """verify and delete take no fields: a body, when there is one (verify: always), is a JSON object."""
    if required or await request.read():
        await read_body(request)


async def verify_dataset(request: web.Request) -> web.Response:
    row = await _row(request)
    await no_fields(request, required=True)
    manifest = DatasetManifest.model_validate(row["manifest"])
    with tempfile.TemporaryDirectory(prefix="dataset-") as tmp:
        checks = [await _check(request.app[STORAGE], Path(tmp), f.name, f.sha256) for f in manifest.files]
    ok = all(c.ok for c in checks)
    at = await store.verified(request.app[POOL], row["id"], ok)
    log.info("dataset.verified", dataset_id=row["id"], ok=ok, files=len(checks))
    await announce(request.app[BUS], row["id"], DatasetVerified(
        ok=ok, files=len(checks), failed=[c.name for c in checks if not c.ok], verified_at=iso(at)),
        msg_id=f"{row['id']}:verified:{at.timestamp()}")
    return web.json_response(answer(DatasetVerification(id=row["id"], ok=ok, files=checks, verified_at=at)))


async def delete_dataset(request: web.Request) -> web.Response:
    did = _id(request)
    await no_fields(request, required=False)
    removed = await store.delete(request.app[POOL], request.app[STORAGE], did)
    if removed is None:
        raise ApiError(404, "id", "no such dataset", "not_found")
    log.info("dataset.deleted", dataset_id=did, files_removed=removed)
    return web.json_response(answer(DatasetDeleted(deleted=did, files_removed=removed)))
