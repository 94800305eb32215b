"""python -m services.rebuilder: consumes trade_rebuild jobs from the JOBS work queue."""

from functools import partial

from services.rebuilder.handler import on_rebuild
from shared.jobs.commands import JOB_SUBJECTS, JobCommand
from shared.lake.storage import open_storage
from shared.service.consume import consume, give_up_job
from shared.service.runtime import Runtime, run_service


async def main(rt: Runtime) -> None:
    storage = open_storage(rt.settings.storage_url, rt.settings.s3_endpoint_url)
    await consume(
        rt.bus, stream="JOBS", durable="rebuilder", subject=JOB_SUBJECTS["trade_rebuild"], model=JobCommand,
        handler=partial(on_rebuild, rt, storage), give_up=partial(give_up_job, rt.events), stop=rt.stop,
        max_deliver=rt.settings.max_deliver, ack_wait_s=rt.settings.ack_wait_s,
    )


if __name__ == "__main__":
    run_service("rebuilder", main)
