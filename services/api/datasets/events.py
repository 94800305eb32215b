"""dataset.created and dataset.verified on datasets.<id> (shared/jobs/events/datasets.py): sent after the
row is stored, best effort, as a job event's publish is (the table is the record)."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from shared.jobs.events.datasets import DatasetEvent, DatasetPayload, dataset_subject
from shared.platform.bus import Bus

log = structlog.get_logger()


async def announce(bus: Bus, dataset_id: str, payload: DatasetPayload, msg_id: str) -> None:
    event = DatasetEvent(dataset_id=dataset_id, ts=datetime.now(UTC), data=payload)
    try:
        await bus.publish_raw(dataset_subject(dataset_id), event.to_json(), msg_id=msg_id)
    except Exception as exc:
        log.warning("dataset.publish_failed", dataset_id=dataset_id, type=payload.type, error=repr(exc))
