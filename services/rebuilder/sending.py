"""Candles on their way to the writer: queued per timeframe, sent as full batches, each vouching for
the span of time it covers so the coverage ledger learns where trades showed no candle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pyarrow as pa

from services.rebuilder.saved import Saved
from shared.jobs.batches import batch_of
from shared.jobs.commands import CANDLES_SUBJECT, JobCommand
from shared.lake.schema import SCHEMA
from shared.lake.timeframes import millis
from shared.service.runtime import Runtime

Check = Callable[[str, pa.Table, tuple[int, int]], Awaitable[None]]


@dataclass
class Outbox:
    """Per timeframe, the closed candles not yet sent and how far the batches sent so far vouch."""
    pending: dict[str, pa.Table] = field(default_factory=dict)
    batch_ids: list[str] = field(default_factory=list)
    sent_until: dict[str, int] = field(default_factory=dict)

    def queue(self, tf: str, table: pa.Table) -> None:
        table = table.select(list(SCHEMA.names)).cast(SCHEMA)
        self.pending[tf] = pa.concat_tables([self.pending[tf], table]) if tf in self.pending else table

    def sent(self, tf: str, batch_id: str, until: int) -> None:
        self.batch_ids.append(batch_id)
        self.pending.pop(tf, None)
        self.sent_until[tf] = until

    def to_saved(self) -> Saved:
        return Saved({"batch_ids": self.batch_ids, "sent_until": self.sent_until}, dict(self.pending))

    @classmethod
    def from_saved(cls, saved: Saved) -> Outbox:
        return cls(dict(saved.tables), saved.document["batch_ids"], saved.document["sent_until"])


def span_of(cmd: JobCommand, outbox: Outbox, tf: str, table: pa.Table, final: bool) -> tuple[int, int]:
    """What a batch vouches for: from where the last one ended to its last candle's close, and at the
    end up to the last bucket the job's range closes. Trades show every bucket in between empty."""
    step = millis(tf)
    lo = outbox.sent_until.get(tf, -(-cmd.start_ms // step) * step)
    if final:
        return lo, max(lo, cmd.end_ms // step * step)
    return lo, table.column("ts").cast(pa.int64())[-1].as_py() + step


def counted_range(cmd: JobCommand) -> tuple[int, int] | None:
    """A parent's child rebuild counts only its segment's own range (it fetches one bucket past a seam)."""
    counted = cmd.options.get("counted")
    return (counted[0], counted[1]) if counted else None


async def send(rt: Runtime, cmd: JobCommand, outbox: Outbox, closed: dict[str, pa.Table], force: bool,
               check: Check) -> None:
    """Queues closed candles; sends a timeframe's queue once it is a full batch, and everything at the
    end (an empty batch too, so the ledger learns the quiet tail of the range). `check` sees each batch
    and the span it vouches for before it goes."""
    for tf, table in closed.items():
        if table.num_rows:
            outbox.queue(tf, table)
    for tf in cmd.timeframes:
        table = outbox.pending.get(tf, SCHEMA.empty_table())
        if not (force or table.num_rows >= rt.settings.batch_rows):
            continue
        span = span_of(cmd, outbox, tf, table, force)
        if not table.num_rows and span[0] >= span[1]:
            continue
        batch = batch_of(table, job_id=cmd.job_id, exchange=cmd.exchange, symbol=cmd.symbol, timeframe=tf,
                         source="trades", prefix="trades", span=span, counted=counted_range(cmd))
        await check(tf, table, span)
        await rt.bus.publish(CANDLES_SUBJECT, batch, msg_id=f"{cmd.job_id}:{batch.batch_id}")
        outbox.sent(tf, batch.batch_id, span[1])
