"""A stopping consumer finishes the message in hand when it can, within its grace, and hands it back
(cancelled, so handle_one naks it) when it cannot: the pods' grace period is reckoned from this."""

from __future__ import annotations

import asyncio

import pytest

from shared.service.consume import finish_or_hand_back


async def test_without_a_stop_the_work_runs_to_its_end():
    done = []

    async def work():
        await asyncio.sleep(0.05)
        done.append(True)

    await finish_or_hand_back(work(), asyncio.Event(), grace_s=0.01)
    assert done == [True]


async def test_an_error_of_the_work_is_raised():
    async def work():
        raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        await finish_or_hand_back(work(), asyncio.Event(), grace_s=1)


async def test_after_the_stop_work_that_ends_within_the_grace_is_finished():
    stop, done = asyncio.Event(), []

    async def work():
        stop.set()
        await asyncio.sleep(0.05)
        done.append(True)

    await finish_or_hand_back(work(), stop, grace_s=1)
    assert done == [True]


async def test_after_the_stop_work_longer_than_the_grace_is_cancelled_within_it():
    stop, seen = asyncio.Event(), []

    async def work():
        stop.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")  # where handle_one naks the message
            raise

    loop = asyncio.get_running_loop()
    started = loop.time()
    await finish_or_hand_back(work(), stop, grace_s=0.1)
    assert seen == ["cancelled"]
    assert 0.1 <= loop.time() - started < 1


async def test_cancelling_the_consumer_cancels_the_work_in_hand():
    seen = []

    async def work():
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    consumer = asyncio.create_task(finish_or_hand_back(work(), asyncio.Event(), grace_s=30))
    await asyncio.sleep(0.05)
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert seen == ["cancelled"]
