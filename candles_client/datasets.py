"""client.datasets: immutable, content-addressed snapshots (create, list, show, verify, pull, delete).
`pull` downloads the manifest and every file of a dataset into a folder and checks each file's sha256
against the manifest, so a pulled copy is known to be the one cited."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from candles_client import operations as ops
from candles_client.errors import CandlesError
from candles_client.models import DatasetCreated, DatasetPage, DatasetView, Deleted, Verification
from candles_client.operations import Moment

if TYPE_CHECKING:
    from candles_client.client import AsyncClient, Client

EmptyBuckets = Literal["sparse", "fill"]
Require = Literal["complete", "any"]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_pulled(dataset: DatasetView, folder: Path) -> list[Path]:
    """The pulled files, each matching its manifest's sha256; a mismatch is an error naming the file."""
    paths = []
    for file in dataset.manifest.files:
        path = folder / file.name
        if (got := sha256_of(path)) != file.sha256:
            raise CandlesError(f"{file.name}: sha256 {got} is not the manifest's {file.sha256}")
        paths.append(path)
    return paths


def _folder(folder: str | Path, dataset_id: str) -> Path:
    path = Path(folder) / dataset_id
    path.mkdir(parents=True, exist_ok=True)
    return path


class Datasets:
    def __init__(self, client: Client) -> None:
        self.client = client

    def create(self, name: str, exchange: str, symbols: Sequence[str], timeframes: Sequence[str], start: Moment,
               end: Moment, *, empty_buckets: EmptyBuckets = "sparse", require: Require = "complete") -> DatasetCreated:
        """Freezes the snapshot, or finds the one with the same content. Missing parts refuse it (an
        ApiError `incomplete` with `.missing` and the plan that would complete it) unless require="any"."""
        return self.client.send(ops.dataset_create(name, exchange, symbols, timeframes, start, end,
                                                   empty_buckets=empty_buckets, require=require))

    def list(self, limit: int = 50, before: str | None = None) -> DatasetPage:
        return self.client.send(ops.dataset_list(limit, before))

    def show(self, dataset_id: str) -> DatasetView:
        return self.client.send(ops.dataset_show(dataset_id))

    def verify(self, dataset_id: str) -> Verification:
        return self.client.send(ops.dataset_verify(dataset_id))

    def delete(self, dataset_id: str) -> Deleted:
        return self.client.send(ops.dataset_delete(dataset_id))

    def pull(self, dataset_id: str, folder: str | Path = ".") -> list[Path]:
        """The manifest and every file into folder/<id>/, each checked against its sha256."""
        dataset, target = self.show(dataset_id), _folder(folder, dataset_id)
        self.client.save(ops.dataset_manifest_path(dataset_id), target / "manifest.json")
        for file in dataset.manifest.files:
            self.client.save(ops.dataset_file_path(dataset_id, file.name), target / file.name)
        return check_pulled(dataset, target)


class AsyncDatasets:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def create(self, name: str, exchange: str, symbols: Sequence[str], timeframes: Sequence[str],
                     start: Moment, end: Moment, *, empty_buckets: EmptyBuckets = "sparse",
                     require: Require = "complete") -> DatasetCreated:
        return await self.client.send(ops.dataset_create(name, exchange, symbols, timeframes, start, end,
                                                         empty_buckets=empty_buckets, require=require))

    async def list(self, limit: int = 50, before: str | None = None) -> DatasetPage:
        return await self.client.send(ops.dataset_list(limit, before))

    async def show(self, dataset_id: str) -> DatasetView:
        return await self.client.send(ops.dataset_show(dataset_id))

    async def verify(self, dataset_id: str) -> Verification:
        return await self.client.send(ops.dataset_verify(dataset_id))

    async def delete(self, dataset_id: str) -> Deleted:
        return await self.client.send(ops.dataset_delete(dataset_id))

    async def pull(self, dataset_id: str, folder: str | Path = ".") -> list[Path]:
        dataset, target = await self.show(dataset_id), _folder(folder, dataset_id)
        await self.client.save(ops.dataset_manifest_path(dataset_id), target / "manifest.json")
        for file in dataset.manifest.files:
            await self.client.save(ops.dataset_file_path(dataset_id, file.name), target / file.name)
        return check_pulled(dataset, target)
