"""A worker told to stop while its message outlasts ACK_WAIT_S hands it back: its consumer returns within
the grace (so the pod's terminationGracePeriodSeconds covers it) and another replica gets the message at
once, without waiting for the ack wait to run out."""

from __future__ import annotations

import asyncio
import uuid

from pydantic import BaseModel

from shared.platform.bus import Bus
from shared.service.consume import FETCH_WAIT_S, consume

ACK_WAIT_S = 6.0


class Ping(BaseModel):
    n: int


async def never_give_up(message: Ping, exc: Exception) -> None:
    raise AssertionError(f"given up on {message}: {exc!r}")


async def test_a_stopped_worker_hands_its_message_to_another_at_once(nats_url):
    bus = await Bus.connect(nats_url, "hand-back-test")
    name = f"hand_back_{uuid.uuid4().hex[:8]}"
    subject = f"jobs.{name}"
    loop = asyncio.get_running_loop()
    started, handed = asyncio.Event(), asyncio.Event()
    try:
        await bus.publish(subject, Ping(n=1), msg_id=name)

        async def forever(message: Ping) -> None:
            started.set()
            await asyncio.sleep(600)

        async def at_once(message: Ping) -> None:
            handed.set()

        def replica(handler, stop):
            return consume(bus, stream="JOBS", durable=name, subject=subject, model=Ping, handler=handler,
                           give_up=never_give_up, stop=stop, ack_wait_s=ACK_WAIT_S)

        stop_first, stop_second = asyncio.Event(), asyncio.Event()
        first = asyncio.create_task(replica(forever, stop_first))
        await asyncio.wait_for(started.wait(), 10)
        stop_first.set()
        stopped_at = loop.time()
        await asyncio.wait_for(first, ACK_WAIT_S + FETCH_WAIT_S + 2)
        assert loop.time() - stopped_at >= ACK_WAIT_S - 0.5  # the message in hand had its grace

        second = asyncio.create_task(replica(at_once, stop_second))
        returned_at = loop.time()
        await asyncio.wait_for(handed.wait(), 10)
        assert loop.time() - returned_at < ACK_WAIT_S / 2  # nak'd: not after the ack wait
        stop_second.set()
        await second
    finally:
        await bus.js.delete_consumer("JOBS", name)
        await bus.close()
