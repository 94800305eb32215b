"""A fetch job run again after its fetcher died part-way through a dump segment: only the years the
writer has not recorded are staged and sent again; the others are announced as they are, so the job
still completes, and nothing is uploaded that no batch would consume."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pyarrow.parquet as pq

from services.fetcher.zip_fetch import batch_id_of, zip_batches
from shared.jobs.commands import JobCommand
from shared.jobs.events.log import EventLog
from shared.jobs.events.payloads import BatchWritten
from shared.jobs.submission import store_job
from shared.kraken.dumps.cache import sync_dumps
from shared.lake.layout import year_spans
from shared.lake.storage import LocalStorage
from shared.lake.timeframes import to_ms
from shared.planning.planner import Segment
from shared.platform.db import create_pool
from tests.integration.candles import truth
from tests.integration.servers import fresh_database


def ms(year: int) -> int:
    return to_ms(datetime(year, 1, 1, tzinfo=UTC))


async def test_a_rerun_stages_only_the_years_not_yet_written(simulator, tmp_path):
    folder = tmp_path / "dumps"
    simulator.write_dumps(folder, names=("Kraken_OHLCVT.zip",), pairs=["BTC/USD"], intervals=(1440,),
                          start="2023-01-01T00:00:00Z")
    storage = LocalStorage(tmp_path / "lake")
    async with fresh_database() as url:
        pool = await create_pool(url)
        try:
            await sync_dumps("ohlcvt", str(folder), storage, pool)
            cmd = JobCommand(job_id=uuid.uuid4(), job_type="fetch", exchange="kraken", symbol="BTC/USD",
                             timeframe="1d", start_ms=ms(2023), end_ms=ms(2026), options={})
            events = EventLog(pool, None)
            await store_job(pool, events, cmd, {})
            seg = Segment("zip", ms(2023), ms(2026), ms(2023), ms(2026), dump="Kraken_OHLCVT.zip",
                          member="XBTUSD_1440.csv")
            years = dict(year_spans(seg.fetch_start_ms, seg.fetch_end_ms))
            # The first run got as far as the writer recording 2024.
            await events.emit(cmd.job_id, BatchWritten(batch_id=batch_id_of(cmd, years[2024]), rows=366, source="zip",
                                                       timeframe="1d", partitions=[]))

            batches, done = await zip_batches(SimpleNamespace(pool=pool, events=events), storage, cmd, seg)
        finally:
            await pool.close()

    assert done == [batch_id_of(cmd, years[2024])]
    assert [b.batch_id for b in batches] == [batch_id_of(cmd, years[2023]), batch_id_of(cmd, years[2025])]
    staged = await storage.list("staging/")
    assert sorted(staged) == sorted(b.staged for b in batches)
    for batch, year in zip(batches, (2023, 2025), strict=True):
        rows = pq.read_table(storage.path(batch.staged)).column("ts").to_pylist()
        want = truth(simulator, "BTC/USD", 1440, datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
        assert batch.staged_rows == len(rows) == len(want) > 300
        assert [to_ms(r) for r in rows] == [t[0] for t in want]
