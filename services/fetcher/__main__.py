"""python -m services.fetcher: consumes fetch jobs from the JOBS work queue."""

import asyncio
from functools import partial

from services.fetcher.dumps import sync_at_start
from services.fetcher.handler import on_fetch
from shared.jobs.commands import JOB_SUBJECTS, JobCommand
from shared.lake.storage import open_storage
from shared.service.consume import consume, give_up_job
from shared.service.runtime import Runtime, run_service


async def main(rt: Runtime) -> None:
    storage = open_storage(rt.settings.storage_url, rt.settings.s3_endpoint_url)
    syncing = asyncio.create_task(sync_at_start(rt, storage))
    try:
        await consume(
            rt.bus, stream="JOBS", durable="fetcher", subject=JOB_SUBJECTS["fetch"], model=JobCommand,
            handler=partial(on_fetch, rt, storage), give_up=partial(give_up_job, rt.events), stop=rt.stop,
            max_deliver=rt.settings.max_deliver, ack_wait_s=rt.settings.ack_wait_s,
        )
    finally:
        syncing.cancel()


if __name__ == "__main__":
    run_service("fetcher", main)
