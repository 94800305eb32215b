"""A JetStream consumer's backlog as JetStream counts it (the consumer's info), sampled into the
candles_consumer_* gauges while the consumer runs: what the lag alert and KEDA's scaler look at.
Every replica samples the same durable consumer, so dashboards take the max across them."""

from __future__ import annotations

import asyncio

import structlog
from nats.js import JetStreamContext

from shared.platform.metrics import CONSUMER_ACK_PENDING, CONSUMER_PENDING

log = structlog.get_logger()
SAMPLE_EVERY_S = 5.0


async def sample_lag(sub: JetStreamContext.PullSubscription, stream: str, durable: str,
                     every_s: float = SAMPLE_EVERY_S) -> None:
    pending, ack_pending = CONSUMER_PENDING.labels(stream, durable), CONSUMER_ACK_PENDING.labels(stream, durable)
    while True:
        try:
            info = await sub.consumer_info()
            pending.set(info.num_pending or 0)
            ack_pending.set(info.num_ack_pending or 0)
        except Exception as exc:  # NATS away for a moment: the gauges keep their last value till the next
            log.debug("consumer.lag_unknown", stream=stream, durable=durable, error=repr(exc)[:200])
        await asyncio.sleep(every_s)

