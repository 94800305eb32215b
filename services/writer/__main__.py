"""python -m services.writer: consumes candle batches and keeps the Parquet lake."""

from functools import partial

from services.writer.handler import on_batch
from shared.jobs.commands import CANDLES_SUBJECT, CandleBatch
from shared.lake.storage import open_storage
from shared.service.consume import consume, give_up_job
from shared.service.runtime import Runtime, run_service


async def main(rt: Runtime) -> None:
    storage = open_storage(rt.settings.storage_url, rt.settings.s3_endpoint_url)
    await consume(
        rt.bus, stream="CANDLES", durable="writer", subject=CANDLES_SUBJECT, model=CandleBatch,
        handler=partial(on_batch, rt, storage), give_up=partial(give_up_job, rt.events), stop=rt.stop,
        max_deliver=rt.settings.max_deliver, ack_wait_s=rt.settings.ack_wait_s,
    )


if __name__ == "__main__":
    run_service("writer", main)
