"""The rebuild checkpoint: Kraken's cursor plus everything derived from the trades before it."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import pyarrow as pa

from services.rebuilder.aggregate import TradeAggregator
from services.rebuilder.raw_trades import RawTrades
from shared.kraken.dumps.trade_stretches import DumpStretch


@dataclass
class RebuildState:
    cursor: str                                  # Trades `since`: trades after it come next
    aggregator: TradeAggregator
    pending: dict[str, list[pa.Table]] = field(default_factory=dict)  # closed candles not yet sent
    batch_ids: list[str] = field(default_factory=list)
    sent_until: dict[str, int] = field(default_factory=dict)  # per timeframe: the batches so far vouch up to here
    dump_rows: dict[str, int] = field(default_factory=dict)  # trades taken from each dump file so far
    dumps_done: bool = False                     # the dump part is imported; the API part follows
    raw: RawTrades | None = None                 # include_trades: trades not yet written as Parquet
    recent: dict[str, pa.Table] = field(default_factory=dict)  # per timeframe: the candles REST can still show
    dump_stretches: dict[str, list[DumpStretch]] | None = None  # per timeframe: OHLCVT members to compare with
    dump_reports: dict[str, dict] = field(default_factory=dict)  # per timeframe: the comparison so far
    dump_errors: dict[str, str] = field(default_factory=dict)    # per timeframe: why a member was not read
    trades: int = 0
    calls: int = 0
    finished: bool = False                       # every page is read and the last candles are sent


async def load(pool: asyncpg.Pool, job_id: UUID) -> RebuildState | None:
    row = await pool.fetchrow("SELECT state FROM rebuild_checkpoints WHERE job_id = $1", job_id)
    if row is None:
        return None
    # The bytes are only ever written by save() below, from this same code.
    state = pickle.loads(row["state"])  # noqa: S301
    for name, value in (("sent_until", {}), ("dump_rows", {}), ("dumps_done", False), ("raw", None),
                        ("recent", {}), ("dump_stretches", None), ("dump_reports", {}), ("dump_errors", {})):
        state.__dict__.setdefault(name, value)  # saved by an older version
    return state


async def save(pool: asyncpg.Pool, job_id: UUID, state: RebuildState) -> None:
    await pool.execute(
        "INSERT INTO rebuild_checkpoints (job_id, cursor, state, trades, calls) VALUES ($1,$2,$3,$4,$5)"
        " ON CONFLICT (job_id) DO UPDATE SET cursor=$2, state=$3, trades=$4, calls=$5, updated_at=now()",
        job_id, state.cursor, pickle.dumps(state), state.trades, state.calls,
    )


async def drop(pool: asyncpg.Pool, job_id: UUID) -> None:
    await pool.execute("DELETE FROM rebuild_checkpoints WHERE job_id = $1", job_id)
