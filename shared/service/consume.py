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
# How long one pull waits for a message; a stop is noticed within it.
FETCH_WAIT_S = 1.0


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


async def finish_or_hand_back(work: Awaitable[None], stop: asyncio.Event, grace_s: float) -> None:
    """Runs the handling of the message in hand. Once stop is set it has grace_s more to finish; then it
    is cancelled, which naks the message (handle_one), so another replica takes it at once instead of
    after ACK_WAIT_S. A stopping replica is thus gone within grace_s of the signal, plus the drain: the
    pods' terminationGracePeriodSeconds is reckoned from it (deploy/k8s/base/service-pod.yaml)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            await asyncio.wait({task}, timeout=grace_s)
        if not task.done():
            log.warning("message.handed_back", grace_s=grace_s)
            task.cancel()
            await asyncio.wait({task})
            return
        task.result()
    except asyncio.CancelledError:  # the consumer itself is cancelled: so is the message in hand
        task.cancel()
        await asyncio.wait({task})
        raise
    finally:
        stopping.cancel()


async def consume(
    bus: Bus, *, stream: str, durable: str, subject: str, model: type[M], handler: Handler,
    give_up: GiveUp, stop: asyncio.Event, max_deliver: int = 10, ack_wait_s: float = 30.0,
) -> None:
    """Pull one message at a time until stop is set; the message in hand is finished first, or handed
    back if it takes longer than ack_wait_s after the stop."""
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
                msgs = await sub.fetch(batch=1, timeout=FETCH_WAIT_S)
            except (FetchTimeoutError, TimeoutError):
                continue
            for msg in msgs:
                await finish_or_hand_back(handle_one(msg, model, handler, give_up, max_deliver, ack_wait_s),
                                          stop, ack_wait_s)
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
