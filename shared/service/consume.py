"""One ack policy for every service: ack on success, nak with a growing delay when retrying can help,
term when it cannot. Long handlers send in_progress() heartbeats so the server does not redeliver."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import FetchTimeoutError
from pydantic import BaseModel, ValidationError

from shared.jobs.events.log import EventLog
from shared.jobs.lifecycle import fail
from shared.platform.bus import Bus
from shared.platform.errors import JobCancelled, PermanentError
from shared.service.lag import sample_lag

log = structlog.get_logger()
M = TypeVar("M", bound=BaseModel)
Handler = Callable[[M], Awaitable[None]]
GiveUp = Callable[[M, Exception], Awaitable[None]]



def retry_delay(num_delivered: int) -> float:
    return min(2.0 ** max(num_delivered - 1, 0), 60.0)


async def _heartbeat(msg: Msg, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(Exception):
            await msg.in_progress()


async def handle_one(msg: Msg, model: type[M], handler: Handler, give_up: GiveUp, max_deliver: int,
                     ack_wait_s: float) -> None:
    try:
        message = model.model_validate_json(msg.data)
    except ValidationError as exc:
        log.error("message.invalid", subject=msg.subject, error=str(exc))
        await msg.term()
        return
    delivered = msg.metadata.num_delivered
    beat = asyncio.create_task(_heartbeat(msg, ack_wait_s / 3))
    try:
        await handler(message)
    except JobCancelled as exc:
        log.info("message.stopped", subject=msg.subject, reason=str(exc))
        await msg.ack()
    except PermanentError as exc:
        await give_up(message, exc)
        await msg.term()
    except asyncio.CancelledError:
        # Shutting down mid-message: let another replica have it at once.
        await asyncio.shield(msg.nak())
        raise
    except Exception as exc:  # anything else is presumed transient, until it has failed too often
        if delivered >= max_deliver:
            await give_up(message, exc)
            await msg.term()
        else:
            delay = retry_delay(delivered)
            log.warning("message.retry", subject=msg.subject, delivered=delivered, delay_s=delay,
                        error=repr(exc))
            await msg.nak(delay=delay)
    else:
        await msg.ack()
    finally:
        beat.cancel()


async def consume(
    bus: Bus, *, stream: str, durable: str, subject: str, model: type[M], handler: Handler,
    give_up: GiveUp, stop: asyncio.Event, max_deliver: int = 10, ack_wait_s: float = 30.0,
) -> None:
    """Pull one message at a time until stop is set; the message in hand is finished first."""
    config = ConsumerConfig(
        durable_name=durable, ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait_s,
        max_deliver=max_deliver + 1, filter_subject=subject,
    )
    sub = await bus.js.pull_subscribe(subject, durable=durable, stream=stream, config=config)
    log.info("consumer.ready", stream=stream, durable=durable, subject=subject)
    lag = asyncio.create_task(sample_lag(sub, stream, durable))
    try:
        while not stop.is_set():
            try:
                msgs = await sub.fetch(batch=1, timeout=1)
            except (FetchTimeoutError, TimeoutError):
                continue
            for msg in msgs:
                await handle_one(msg, model, handler, give_up, max_deliver, ack_wait_s)
    finally:
        lag.cancel()
        # A pull subscription left open makes the connection's drain wait for its timeout.
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def give_up_job(events: EventLog, message: BaseModel, exc: Exception) -> None:
    """The job a message belongs to fails with the reason; a message of an unknown job is only logged."""
    job_id = getattr(message, "job_id", None)
    log.error("message.given_up", job_id=str(job_id), error=str(exc))
    if job_id is not None:
        with contextlib.suppress(LookupError):
            await fail(events, job_id, str(exc))
