"""A dataset as the API answers with it: the manifest with each file's URL, and the loader snippets."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.api.responses.datasets import DatasetSummary, DatasetView, Snippets
from services.api.state import SETTINGS
from shared.exports.manifest import DatasetManifest, object_key
from shared.lake.layout import public_artifact


def file_url(request: web.Request, dataset_id: str, name: str, sha256: str) -> str:
    """Under LAKE_PUBLIC_URL where the lake is published (the object itself), else the API's download."""
    public = request.app[SETTINGS].lake_public_url
    if public:
        return public_artifact(object_key(sha256), public)
    return f"{request.scheme}://{request.host}/api/datasets/{dataset_id}/files/{name}"


def snippets(urls: dict[str, str]) -> Snippets:
    files = "files = {" + ", ".join(f"{name.removesuffix('.parquet')!r}: {url!r}" for name, url in urls.items()) + "}"
    return Snippets(
        polars=f"import polars as pl\n{files}\nframes = {{k: pl.read_parquet(u) for k, u in files.items()}}",
        pandas=f"import pandas as pd\n{files}\nframes = {{k: pd.read_parquet(u) for k, u in files.items()}}",
        duckdb=f"import duckdb\n{files}\n"
               "frames = {k: duckdb.read_parquet(u) for k, u in files.items()}",
    )


def dataset_view(request: web.Request, row: asyncpg.Record) -> DatasetView:
    manifest = DatasetManifest.model_validate(row["manifest"])
    for f in manifest.files:
        f.url = file_url(request, row["id"], f.name, f.sha256)
    names = row["names"] or []
    return DatasetView(
        id=row["id"], name=names[0] if names else "", names=names, created_at=row["created_at"],
        verified_at=row["verified_at"], verified_ok=row["verified_ok"],
        manifest_url=f"/api/datasets/{row['id']}/manifest.json", manifest=manifest,
        snippets=snippets({f.name: f.url for f in manifest.files}))


def dataset_summary(row: asyncpg.Record) -> DatasetSummary:
    names, request = row["names"] or [], row["request"]
    return DatasetSummary(
        id=row["id"], name=names[0] if names else "", names=names, created_at=row["created_at"],
        exchange=row["exchange"], symbols=request["symbols"], timeframes=request["timeframes"],
        start_timestamp=request["start_timestamp"], end_timestamp=request["end_timestamp"], files=row["files"],
        rows=row["rows"], verified_at=row["verified_at"], verified_ok=row["verified_ok"])
