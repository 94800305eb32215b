"""The NATS JetStream bus: streams and durable pull consumers created idempotently, publishes
de-duplicated by Nats-Msg-Id, and one ack policy chosen by exception type (shared/service/consume.py)."""

from __future__ import annotations

import contextlib

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError
from pydantic import BaseModel

log = structlog.get_logger()

DAY_S = 86_400
STREAMS = (
    # Work queues: each message is removed once a consumer acks it.
    StreamConfig(name="JOBS", subjects=["jobs.>"], retention=RetentionPolicy.WORK_QUEUE,
                 storage=StorageType.FILE, duplicate_window=600),
    StreamConfig(name="CANDLES", subjects=["candles.>"], retention=RetentionPolicy.WORK_QUEUE,
                 storage=StorageType.FILE, duplicate_window=600, max_msg_size=8 * 1024 * 1024),
    # Events are kept for a week for NATS subscribers; PostgreSQL keeps them for good.
    StreamConfig(name="EVENTS", subjects=["data_job_events.>"], retention=RetentionPolicy.LIMITS,
                 storage=StorageType.FILE, duplicate_window=600, max_age=7 * DAY_S),
    # Dataset events (datasets.<id>): PostgreSQL's datasets table is their record.
    StreamConfig(name="DATASETS", subjects=["datasets.>"], retention=RetentionPolicy.LIMITS,
                 storage=StorageType.FILE, duplicate_window=600, max_age=7 * DAY_S),
)


class Bus:
    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()

    @classmethod
    async def connect(cls, url: str, name: str) -> Bus:
        async def on_error(exc: Exception) -> None:
            log.warning("nats.error", error=str(exc))

        async def on_reconnect() -> None:
            log.info("nats.reconnected")

        nc = await nats.connect(
            url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=1, drain_timeout=5,
            error_cb=on_error, reconnected_cb=on_reconnect,
        )
        bus = cls(nc)
        await bus.ensure_streams()
        return bus

    async def ensure_streams(self) -> None:
        for config in STREAMS:
            try:
                await self.js.add_stream(config)
            except BadRequestError:
                # It exists with other settings: bring it to ours.
                await self.js.update_stream(config)

    async def publish(self, subject: str, message: BaseModel, *, msg_id: str) -> None:
        await self.publish_raw(subject, message.model_dump_json().encode(), msg_id=msg_id)

    async def publish_raw(self, subject: str, payload: bytes, *, msg_id: str) -> None:
        # JetStream drops a second message with the same id inside the duplicate window.
        await self.js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id})

    async def ping(self) -> bool:
        if not self.nc.is_connected:
            return False
        await self.nc.flush(timeout=2)
        return True

    async def close(self) -> None:
        if self.nc.is_closed:
            return
        try:
            await self.nc.drain()
        except Exception as exc:  # the server is gone: nothing left to drain
            log.warning("nats.drain_failed", error=repr(exc))
            with contextlib.suppress(Exception):
                await self.nc.close()
