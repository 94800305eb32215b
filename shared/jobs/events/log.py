"""The EventLog: job events stored first (the per-job seq is allocated in PostgreSQL), then published on
NATS; and every question asked of the stored log. No other module touches the data_job_events table.

The table is the record: a late subscriber replays from any seq, and the coverage projection reads it
in order, so a publish lost in a crash only delays a live subscriber."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

import asyncpg
import structlog

from shared.jobs.events.catalog import TERMINAL_TYPES, EventPayload, type_name
from shared.jobs.events.envelope import JobEvent, subject
from shared.jobs.events.payloads import Payload
from shared.platform.bus import Bus

log = structlog.get_logger()
P = TypeVar("P", bound=Payload)
# The dedup key of every terminal event, whoever sends it: a job ends once.
TERMINAL = "terminal"
_EXISTS = "SELECT 1 FROM data_job_events WHERE job_id = $1 AND dedup_key = $2"


def _event(row: asyncpg.Record) -> JobEvent:
    return JobEvent(job_id=row["job_id"], seq=row["seq"], type=row["type"], ts=row["ts"], data=row["data"])


class EventLog:
    def __init__(self, pool: asyncpg.Pool, bus: Bus | None) -> None:
        self.pool = pool
        self.bus = bus

    async def emit(self, job_id: UUID, payload: EventPayload, *, dedup_key: str | None = None) -> JobEvent | None:
        """Store and publish one event. With a dedup_key already used for the job, nothing happens."""
        async with self.pool.acquire() as conn, conn.transaction():
            event = await self.store(conn, job_id, payload, dedup_key)
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
    async def store(conn: asyncpg.Connection, job_id: UUID, payload: EventPayload,
                    dedup_key: str | None = None) -> JobEvent | None:
        """Stores the event inside the caller's transaction; publish it after the commit. A terminal
        event always has the dedup key TERMINAL."""
        if payload.type in TERMINAL_TYPES:
            dedup_key = TERMINAL
        # The row lock serialises emitters of one job, so seq has no gaps and no twins.
        seq = await conn.fetchval("SELECT last_event_seq FROM data_jobs WHERE id = $1 FOR UPDATE", job_id)
        if seq is None:
            raise LookupError(f"job {job_id} does not exist")
        if dedup_key is not None and await conn.fetchval(_EXISTS, job_id, dedup_key):
            return None
        event = JobEvent(job_id=job_id, seq=seq + 1, ts=datetime.now(UTC), data=payload)
        await conn.execute(
            "INSERT INTO data_job_events (job_id, seq, type, ts, data, dedup_key) VALUES ($1,$2,$3,$4,$5,$6)",
            job_id, event.seq, event.type, event.ts, payload.model_dump(mode="json"), dedup_key,
        )
        await conn.execute("UPDATE data_jobs SET last_event_seq = $2 WHERE id = $1", job_id, event.seq)
        return event

    async def after(self, job_id: UUID, seq: int, *, limit: int | None = 1000,
                    conn: asyncpg.Connection | None = None) -> list[JobEvent]:
        """The job's events after `seq`, in order (limit None: all of them); with `conn`, read inside
        the caller's transaction."""
        rows = await (self.pool if conn is None else conn).fetch(
            "SELECT job_id, seq, type, ts, data FROM data_job_events WHERE job_id = $1 AND seq > $2"
            " ORDER BY seq LIMIT $3", job_id, seq, limit)
        return [_event(r) for r in rows]

    async def of_type(self, job_id: UUID, model: type[P]) -> list[P]:
        """The payloads of the job's events of one type, in order."""
        rows = await self.pool.fetch("SELECT data FROM data_job_events WHERE job_id = $1 AND type = $2 ORDER BY seq",
                                     job_id, type_name(model))
        return [model.model_validate(r["data"]) for r in rows]

    async def find(self, job_id: UUID, model: type[P], dedup_key: str) -> P | None:
        """The payload of the job's event of this type stored under `dedup_key`, if there is one."""
        data = await self.pool.fetchval("SELECT data FROM data_job_events WHERE job_id = $1 AND type = $2"
                                        " AND dedup_key = $3", job_id, type_name(model), dedup_key)
        return None if data is None else model.model_validate(data)

    async def stored(self) -> int:
        """How many events the log holds, of every job (how far a system has got, for its probes)."""
        return await self.pool.fetchval("SELECT count(*) FROM data_job_events")

    async def has_ended(self, job_id: UUID) -> bool:
        """True once a terminal event is stored, even before the projection catches up."""
        return bool(await self.pool.fetchval(_EXISTS, job_id, TERMINAL))
