"""Job events: stored first (the per-job seq is allocated in PostgreSQL), then published on NATS.

The table is the record: a late subscriber replays from any seq, and the coverage projection reads it
in order, so a publish lost in a crash only delays a live subscriber."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson
import structlog
from pydantic import BaseModel, ConfigDict

from shared.platform.bus import Bus

log = structlog.get_logger()
SCHEMA_VERSION = 1
TERMINAL = "terminal"  # dedup key shared by completed/failed/cancelled: a job ends once


def subject(job_id: UUID | str) -> str:
    return f"data_job_events.{job_id}"


class JobEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    job_id: UUID
    seq: int
    type: str
    ts: datetime
    data: dict[str, Any] = {}

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> JobEvent:
        return cls(job_id=row["job_id"], seq=row["seq"], type=row["type"], ts=row["ts"], data=row["data"])

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


class EventLog:
    def __init__(self, pool: asyncpg.Pool, bus: Bus | None) -> None:
        self.pool = pool
        self.bus = bus

    async def emit(
        self, job_id: UUID, type: str, data: dict[str, Any] | None = None, *, dedup_key: str | None = None
    ) -> JobEvent | None:
        """Store and publish one event. With a dedup_key already used for the job, nothing happens."""
        async with self.pool.acquire() as conn, conn.transaction():
            event = await self.store(conn, job_id, type, data or {}, dedup_key)
        if event is not None:
            await self.publish(event)
        return event

    async def publish(self, event: JobEvent) -> None:
        """Best effort: the event is already stored, and readers fill gaps from the table."""
        if self.bus is None:
            return
        try:
            await self.bus.publish_raw(subject(event.job_id), event.to_json(), msg_id=f"{event.job_id}:{event.seq}")
        except Exception as exc:
            log.warning("event.publish_failed", job_id=str(event.job_id), seq=event.seq, error=repr(exc))

    @staticmethod
    async def store(conn: asyncpg.Connection, job_id: UUID, type: str, data: dict,
                    dedup_key: str | None = None) -> JobEvent | None:
        """Stores the event inside the caller's transaction; publish it after the commit."""
        # The row lock serialises emitters of one job, so seq has no gaps and no twins.
        seq = await conn.fetchval("SELECT last_event_seq FROM data_jobs WHERE id = $1 FOR UPDATE", job_id)
        if seq is None:
            raise LookupError(f"job {job_id} does not exist")
        if dedup_key is not None and await conn.fetchval(
            "SELECT 1 FROM data_job_events WHERE job_id = $1 AND dedup_key = $2", job_id, dedup_key
        ):
            return None
        seq += 1
        ts = datetime.now(UTC)
        await conn.execute(
            "INSERT INTO data_job_events (job_id, seq, type, ts, data, dedup_key) VALUES ($1,$2,$3,$4,$5,$6)",
            job_id, seq, type, ts, data, dedup_key,
        )
        await conn.execute("UPDATE data_jobs SET last_event_seq = $2 WHERE id = $1", job_id, seq)
        return JobEvent(job_id=job_id, seq=seq, type=type, ts=ts, data=data)


async def events_after(pool: asyncpg.Pool, job_id: UUID, after_seq: int, limit: int = 1000) -> list[JobEvent]:
    rows = await pool.fetch(
        "SELECT job_id, seq, type, ts, data FROM data_job_events WHERE job_id = $1 AND seq > $2"
        " ORDER BY seq LIMIT $3",
        job_id, after_seq, limit,
    )
    return [JobEvent.from_row(r) for r in rows]
