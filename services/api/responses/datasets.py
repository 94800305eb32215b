"""The answers of the dataset routes (interface of README, "Datasets"): a dataset as created, listed and
viewed with its manifest (shared/exports/manifest.py) and loader snippets, its verification, its
deletion, and the refusal of a range the ledger does not wholly hold."""

from __future__ import annotations

from pydantic import Field

from services.api.responses.base import Answer, ErrorBody, Time
from services.api.responses.plans import FetchDryRun
from shared.exports.manifest import DatasetManifest
from shared.jobs.events.datasets import DatasetScope


class Snippets(Answer):
    """Three lines or fewer each: every file of the dataset as a DataFrame (or a DuckDB relation)."""

    polars: str
    pandas: str
    duckdb: str


class DatasetSummary(Answer, DatasetScope):
    id: str = Field(description="the content's address: the same content always has this id")
    name: str = Field(description="its first label")
    names: list[str] = Field(description="every label it was asked for under")
    created_at: Time
    verified_at: Time | None
    verified_ok: bool | None


class DatasetView(Answer):
    id: str
    name: str
    names: list[str]
    created_at: Time
    verified_at: Time | None
    verified_ok: bool | None
    manifest_url: str
    manifest: DatasetManifest
    snippets: Snippets


class DatasetAnswer(Answer):
    dataset: DatasetView
    created: bool = Field(description="false: the same content existed already (the name is added as a label)")


class DatasetPage(Answer):
    datasets: list[DatasetSummary]
    next: str | None = Field(description="pass as `before` for the next page; null: no more")


class FileCheck(Answer):
    name: str
    sha256: str = Field(description="what the manifest says")
    ok: bool = Field(description="the stored bytes hash to it")


class DatasetVerification(Answer):
    id: str
    ok: bool
    files: list[FileCheck]
    verified_at: Time


class DatasetDeleted(Answer):
    deleted: str
    files_removed: int = Field(description="objects no other dataset shares, removed from the lake")


class MissingPart(Answer):
    symbol: str
    timeframe: str
    start: str
    end: str


class DatasetIncomplete(ErrorBody):
    """require: complete, and the ledger does not hold every part of the range."""

    missing: list[MissingPart]
    plan: FetchDryRun | None = Field(description="the dry run (POST /api/data-jobs with options.dry_run) of the"
                                                 " first incomplete (symbol, timeframe) over the range; null when"
                                                 " Kraken could not be asked (plan_error says why)")
    plan_error: str | None
