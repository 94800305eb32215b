"""Client and AsyncClient: the candle-history API from a notebook or a script, over HTTP alone.

    from candles_client import Client
    client = Client("http://127.0.0.1:8080", token=None)
    df = client.candles("kraken", "BTC/USD", "1h", "2026-11-01", "2026-11-20")   # a polars DataFrame

Both send the operations of operations.py; every refusal is an ApiError naming the field and the reason."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx
import polars as pl

from candles_client import operations as ops
from candles_client.datasets import AsyncDatasets, Datasets
from candles_client.errors import Unreachable, from_answer
from candles_client.models import CoverageRow, Event, JobCreated, JobSummary, JobView, Plan
from candles_client.operations import Format, Moment, Operation
from candles_client.sse import EventParser

T = TypeVar("T")
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# A stream sends a ping every 15 s; silence for longer than this is a dropped connection.
STREAM_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
FOLLOW_RETRIES = 5  # reconnections of an event stream in a row without an event between them
CHUNK = 1 << 20


def _base(url: str | None, token: str | None) -> tuple[str, dict[str, str]]:
    url = url or os.environ.get("CANDLES_URL") or "http://127.0.0.1:8080"
    token = token if token is not None else os.environ.get("API_TOKEN")
    return url.rstrip("/"), {"Authorization": f"Bearer {token}"} if token else {}


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise from_answer(response.status_code, response.content)
    return response


def _partial(target: str | Path) -> tuple[Path, Path]:
    """Where a download goes, and the hidden name it is written under until whole."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target, target.with_name(f".{target.name}.partial")


def _request(op: Operation[Any]) -> dict[str, Any]:
    return {"method": op.method, "url": op.path, "params": op.params, "json": op.json}


class Client:
    """The API, synchronously. `url` and `token` default to CANDLES_URL and API_TOKEN."""

    def __init__(self, url: str | None = None, token: str | None = None, *, transport: httpx.BaseTransport | None = None) -> None:
        base, headers = _base(url, token)
        self.http = httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT, transport=transport)
        self.datasets = Datasets(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def send(self, op: Operation[T]) -> T:
        try:
            response = self.http.request(**_request(op))
        except httpx.TransportError as exc:
            raise Unreachable(f"{self.http.base_url}: {exc}") from exc
        return op.read(_checked(response).content)

    def save(self, path: str, target: str | Path, params: dict[str, str] | None = None) -> Path:
        """A download streamed into a file (written beside it, renamed when whole)."""
        target, partial = _partial(target)
        try:
            with self.http.stream("GET", path, params=params, timeout=STREAM_TIMEOUT) as response:
                if response.status_code >= 400:
                    response.read()
                _checked(response)
                with partial.open("wb") as f:
                    for chunk in response.iter_bytes(CHUNK):
                        f.write(chunk)
        except httpx.TransportError as exc:
            partial.unlink(missing_ok=True)
            raise Unreachable(f"{self.http.base_url}: {exc}") from exc
        return partial.replace(target)

    def candles(self, exchange: str, symbol: str, timeframe: str, start: Moment | None = None,
                end: Moment | None = None) -> pl.DataFrame:
        """Stored candles of [start, end) as a polars DataFrame (columns as in the lake)."""
        return self.send(ops.candles(exchange, symbol, timeframe, start, end))

    def export(self, exchange: str, symbol: str, timeframe: str, path: str | Path, start: Moment | None = None,
               end: Moment | None = None, format: Format = "parquet") -> Path:
        """Stored candles of [start, end) into a file, streamed."""
        return self.save("/api/candles", path, ops.candles_params(exchange, symbol, timeframe, start, end, format))

    def plan(self, exchange: str, symbol: str | Sequence[str], timeframe: str | Sequence[str],
             start: Moment | None = None, end: Moment | None = None, **options: bool) -> Plan:
        """The dry run: what a fetch would do and cost; nothing is created."""
        return self.send(ops.plan(exchange, symbol, timeframe, start, end, **options))

    def fetch(self, exchange: str, symbol: str | Sequence[str], timeframe: str | Sequence[str],
              start: Moment | None = None, end: Moment | None = None, **options: bool) -> JobCreated:
        """Submits the job (several symbols or timeframes make a batch). Options: full_history,
        seed_from_zip, confirm (needed when the plan says needs_confirm)."""
        return self.send(ops.submit(exchange, symbol, timeframe, start, end, **options))

    def job(self, job_id: str) -> JobView:
        return self.send(ops.job(job_id))

    def jobs(self, limit: int = 50) -> list[JobSummary]:
        return self.send(ops.jobs(limit))

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self.send(ops.action(job_id, "cancel"))

    def coverage(self, exchange: str = "kraken", symbol: str | None = None,
                 timeframe: str | None = None) -> list[CoverageRow]:
        return self.send(ops.coverage(exchange, symbol, timeframe))

    def download(self, job_id: str, path: str | Path, format: Format = "parquet",
                 timeframe: str | None = None) -> Path:
        """A job's candles into a file, streamed."""
        params = {"format": format, **({"timeframe": timeframe} if timeframe else {})}
        return self.save(ops.job_candles_path(job_id), path, params)

    def follow(self, job_id: str, after: int = 0) -> Iterator[Event]:
        """The job's events from seq `after` on, to its last: a dropped connection is resumed where it broke."""
        tries = 0
        while True:
            try:
                with self.http.stream("GET", ops.events_path(job_id), headers={"Last-Event-ID": str(after)},
                                      timeout=STREAM_TIMEOUT) as response:
                    if response.status_code >= 400:
                        response.read()
                    _checked(response)
                    parser = EventParser()
                    for line in response.iter_lines():
                        if (got := parser.feed(line)) is not None:
                            after, tries = got.seq, 0
                            yield got
                            if got.terminal:
                                return
            except httpx.TransportError as exc:
                tries += 1
                if tries > FOLLOW_RETRIES:
                    raise Unreachable(f"{self.http.base_url}: the event stream broke: {exc}") from exc
                continue
            return  # the server ends a stream only once the job has ended


class AsyncClient:
    """The API, with asyncio: the same methods as Client, awaited (follow is an async iterator)."""

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        base, headers = _base(url, token)
        self.http = httpx.AsyncClient(base_url=base, headers=headers, timeout=TIMEOUT, transport=transport)
        self.datasets = AsyncDatasets(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(self, op: Operation[T]) -> T:
        try:
            response = await self.http.request(**_request(op))
        except httpx.TransportError as exc:
            raise Unreachable(f"{self.http.base_url}: {exc}") from exc
        return op.read(_checked(response).content)

    async def save(self, path: str, target: str | Path, params: dict[str, str] | None = None) -> Path:
        target, partial = _partial(target)
        try:
            async with self.http.stream("GET", path, params=params, timeout=STREAM_TIMEOUT) as response:
                if response.status_code >= 400:
                    await response.aread()
                _checked(response)
                with partial.open("wb") as f:
                    async for chunk in response.aiter_bytes(CHUNK):
                        f.write(chunk)
        except httpx.TransportError as exc:
            partial.unlink(missing_ok=True)
            raise Unreachable(f"{self.http.base_url}: {exc}") from exc
        return partial.replace(target)

    async def candles(self, exchange: str, symbol: str, timeframe: str, start: Moment | None = None,
                      end: Moment | None = None) -> pl.DataFrame:
        return await self.send(ops.candles(exchange, symbol, timeframe, start, end))

    async def export(self, exchange: str, symbol: str, timeframe: str, path: str | Path,
                     start: Moment | None = None, end: Moment | None = None, format: Format = "parquet") -> Path:
        return await self.save("/api/candles", path,
                               ops.candles_params(exchange, symbol, timeframe, start, end, format))

    async def plan(self, exchange: str, symbol: str | Sequence[str], timeframe: str | Sequence[str],
                   start: Moment | None = None, end: Moment | None = None, **options: bool) -> Plan:
        return await self.send(ops.plan(exchange, symbol, timeframe, start, end, **options))

    async def fetch(self, exchange: str, symbol: str | Sequence[str], timeframe: str | Sequence[str],
                    start: Moment | None = None, end: Moment | None = None, **options: bool) -> JobCreated:
        return await self.send(ops.submit(exchange, symbol, timeframe, start, end, **options))

    async def job(self, job_id: str) -> JobView:
        return await self.send(ops.job(job_id))

    async def jobs(self, limit: int = 50) -> list[JobSummary]:
        return await self.send(ops.jobs(limit))

    async def cancel(self, job_id: str) -> dict[str, Any]:
        return await self.send(ops.action(job_id, "cancel"))

    async def coverage(self, exchange: str = "kraken", symbol: str | None = None,
                       timeframe: str | None = None) -> list[CoverageRow]:
        return await self.send(ops.coverage(exchange, symbol, timeframe))

    async def download(self, job_id: str, path: str | Path, format: Format = "parquet",
                       timeframe: str | None = None) -> Path:
        params = {"format": format, **({"timeframe": timeframe} if timeframe else {})}
        return await self.save(ops.job_candles_path(job_id), path, params)

    async def follow(self, job_id: str, after: int = 0) -> AsyncIterator[Event]:
        tries = 0
        while True:
            try:
                async with self.http.stream("GET", ops.events_path(job_id), headers={"Last-Event-ID": str(after)},
                                            timeout=STREAM_TIMEOUT) as response:
                    if response.status_code >= 400:
                        await response.aread()
                    _checked(response)
                    parser = EventParser()
                    async for line in response.aiter_lines():
                        if (got := parser.feed(line)) is not None:
                            after, tries = got.seq, 0
                            yield got
                            if got.terminal:
                                return
            except httpx.TransportError as exc:
                tries += 1
                if tries > FOLLOW_RETRIES:
                    raise Unreachable(f"{self.http.base_url}: the event stream broke: {exc}") from exc
                continue
            return
