"""Keeps the raw/ cache of Kraken's OHLCVT dump in step with KRAKEN_OHLCVT_SOURCE before a job plans,
telling the job how a download is going."""

from __future__ import annotations

import time
from uuid import UUID

import structlog

from shared.jobs.events.payloads import JobMessage
from shared.kraken.client import Notify
from shared.kraken.dumps.cache import sync_dumps
from shared.lake.storage import Storage
from shared.service.runtime import Runtime

MIB = 1 << 20
log = structlog.get_logger()


async def sync_at_start(rt: Runtime, storage: Storage) -> None:
    """Caches the dump as soon as the fetcher starts, so plans and previews know it before a job."""
    if not rt.settings.kraken_ohlcvt_source:
        return
    try:
        await sync_dumps("ohlcvt", rt.settings.kraken_ohlcvt_source, storage, rt.pool)
    except Exception as exc:  # a job syncs again, and fails with the reason if it still cannot
        log.warning("dump.sync_failed", error=str(exc)[:300])


async def sync_ohlcvt(rt: Runtime, storage: Storage, job_id: UUID, notify: Notify) -> None:
    source = rt.settings.kraken_ohlcvt_source
    if not source:
        return
    last = 0.0

    async def progress(done: int, total: int | None) -> None:
        nonlocal last
        if time.monotonic() - last < 2 and done != total:
            return  # a line every couple of seconds is plenty for a person watching
        last = time.monotonic()
        of = f" of {total / MIB:.0f}" if total else ""
        await rt.events.emit(job_id, JobMessage(text=f"Downloading the OHLCVT dump: {done / MIB:.0f}{of} MiB",
                                                level="info"))

    await sync_dumps("ohlcvt", source, storage, rt.pool, notify, progress)
