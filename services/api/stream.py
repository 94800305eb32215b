"""GET /api/data-jobs/{id}/events: Server-Sent Events. Replays the stored events after Last-Event-ID
(or ?after=), then streams live ones, and ends once the job has ended and its last event is sent,
whatever Last-Event-ID said.

Live events come from a plain NATS subscription; any gap in seq (a lost publish, a reconnect) is filled
from the table, and a quiet stream re-checks the table now and then, so nothing is ever skipped."""

from __future__ import annotations

import asyncio
import contextlib
from uuid import UUID

from aiohttp import web
from aiohttp_sse import sse_response
from pydantic import TypeAdapter, ValidationError

from services.api.errors import ApiError
from services.api.jobs import job_id
from services.api.limits import client_of
from services.api.params import EventsQuery, Seq, parse_query
from services.api.state import BUS, EVENTS, POOL, STREAMS
from shared.jobs.events.catalog import TERMINAL_TYPES
from shared.jobs.events.envelope import Envelope, subject
from shared.platform.metrics import SSE_STREAMS

RECHECK_S = 2.0
SEQ = TypeAdapter(Seq)


def _after(request: web.Request) -> int:
    """The seq to replay after: Last-Event-ID (an EventSource resuming) wins over ?after=. Each is a
    PostgreSQL integer, so a huge one is a 400, not a database error."""
    after = parse_query(EventsQuery, request).after
    header = request.headers.get("Last-Event-ID")
    if header is None:
        return after
    try:
        return SEQ.validate_python(header)
    except ValidationError as exc:
        raise ApiError(400, "Last-Event-ID", "must be an integer event seq from 0 to 2^31 - 1") from exc


async def job_events(request: web.Request) -> web.StreamResponse:
    jid, last = job_id(request), _after(request)
    pool = request.app[POOL]
    if not await pool.fetchval("SELECT 1 FROM data_jobs WHERE id = $1", jid):
        raise ApiError(404, "id", "no such job", "not_found")
    with request.app[STREAMS].take(client_of(request)), SSE_STREAMS.track_inprogress():
        return await _stream(request, jid, last)


async def _stream(request: web.Request, jid: UUID, last: int) -> web.StreamResponse:
    events = request.app[EVENTS]
    live: asyncio.Queue[int] = asyncio.Queue()

    async def on_msg(msg) -> None:
        # Only a wake-up: the events sent are read from the table, typed.
        live.put_nowait(Envelope.model_validate_json(msg.data).seq)

    sub = await request.app[BUS].nc.subscribe(subject(jid), cb=on_msg)
    try:
        async with sse_response(request) as resp:
            resp.ping_interval = 15
            while resp.is_connected():
                # Read before the batch: if the job had ended then, the batch holds its last events.
                ended = await events.has_ended(jid)
                for event in await events.after(jid, last):
                    await resp.send(event.to_json().decode(), id=str(event.seq), event=event.type)
                    last = event.seq
                    if event.type in TERMINAL_TYPES:
                        return resp
                if ended:  # a client that asked from past the end: nothing more will come
                    return resp
                with contextlib.suppress(TimeoutError):
                    # Woken by a live event newer than what was sent, or by the periodic re-check.
                    while await asyncio.wait_for(live.get(), RECHECK_S) <= last:
                        pass
            return resp
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
