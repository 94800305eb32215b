"""The rebuild checkpoint, saved after every Trades page and dump chunk: Kraken's cursor plus everything
derived from the trades before it, in parts each owned by the module that changes it.

It is stored as a JSON document (the schema version and each part's scalars) with the parts' tables as
named Arrow IPC streams. A checkpoint of another schema version, or one that does not read, is refused
whole: the job rebuilds from the start rather than resume from a state it half understands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from services.rebuilder.aggregate import TradeAggregator
from services.rebuilder.cursor import Cursor
from services.rebuilder.dump_check import DumpComparison
from services.rebuilder.ohlc_check import RecentCandles
from services.rebuilder.raw_trades import RawTrades
from services.rebuilder.saved import Part, Saved, from_ipc, to_ipc
from services.rebuilder.sending import Outbox
from shared.jobs.commands import JobCommand
from shared.kraken.constants import NS_PER_MS

SCHEMA_VERSION = 2  # raise it with any change to what a part saves (2: exact integer sums in the open buckets)


@dataclass
class Checkpoint:
    cursor: Cursor
    aggregator: TradeAggregator            # the open buckets
    outbox: Outbox                         # closed candles not yet sent
    recent: RecentCandles                  # for the check against Kraken's REST OHLC
    dump_comparison: DumpComparison        # the check against Kraken's OHLCVT dump so far
    raw_trades: RawTrades | None = None    # include_trades: trades not yet written as Parquet

    @classmethod
    def start(cls, cmd: JobCommand) -> Checkpoint:
        aggregator = TradeAggregator(cmd.timeframes, start_ms=cmd.start_ms,
                                     empty=cmd.options.get("empty_buckets", "sparse"))
        raw = RawTrades(cmd.exchange, cmd.symbol, cmd.start_ms * NS_PER_MS) if cmd.options.get("include_trades") else None
        return cls(Cursor.at(cmd.start_ms), aggregator, Outbox(), RecentCandles(), DumpComparison(), raw)


PARTS: dict[str, type[Part]] = {"cursor": Cursor, "aggregator": TradeAggregator, "outbox": Outbox,
                                "recent": RecentCandles, "dump_comparison": DumpComparison, "raw_trades": RawTrades}
OPTIONAL = {"raw_trades"}


class Refused(Exception):
    """A saved checkpoint this rebuilder does not read; the message says why, for the job and the log."""


def encode(checkpoint: Checkpoint) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The JSON document and the Arrow IPC stream of each table, keyed `part/table`."""
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    tables: dict[str, bytes] = {}
    for name in PARTS:
        part: Part | None = getattr(checkpoint, name)
        saved = None if part is None else part.to_saved()
        document[name] = None if saved is None else saved.document
        tables |= {f"{name}/{key}": to_ipc(t) for key, t in (saved.tables if saved else {}).items()}
    document["tables"] = sorted(tables)
    return document, tables


def _read(document: dict[str, Any], tables: dict[str, bytes]) -> Checkpoint:
    if sorted(tables) != document["tables"]:
        raise ValueError(f"tables {sorted(tables)} stored, {document['tables']} written")
    parts: dict[str, Any] = {}
    for name, kind in PARTS.items():
        if document[name] is None and name not in OPTIONAL:
            raise ValueError(f"no {name}")
        own = {key.split("/", 1)[1]: from_ipc(data) for key, data in tables.items() if key.split("/", 1)[0] == name}
        parts[name] = None if document[name] is None else kind.from_saved(Saved(document[name], own))
    return Checkpoint(**parts)


def decode(document: Any, tables: dict[str, bytes]) -> Checkpoint:
    """The checkpoint as it was encoded, or Refused: never a part of it."""
    version = document.get("schema_version") if isinstance(document, dict) else None
    if version != SCHEMA_VERSION:
        raise Refused(f"checkpoint written by schema version {'none' if version is None else version},"
                      f" this rebuilder reads {SCHEMA_VERSION}: rebuilding from the start")
    try:
        return _read(document, tables)
    except Exception as exc:  # whatever fails to read, nothing of the checkpoint is used
        raise Refused(f"checkpoint of schema version {version} does not read ({exc!r}):"
                      " rebuilding from the start") from exc


async def load(pool: asyncpg.Pool, job_id: UUID) -> Checkpoint | None:
    """The job's checkpoint; None when it has none; Refused when it has one this rebuilder does not read."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT document FROM rebuild_checkpoints WHERE job_id = $1", job_id)
        if row is None:
            return None
        tables = await conn.fetch("SELECT name, arrow_ipc FROM rebuild_checkpoint_tables WHERE job_id = $1", job_id)
    return decode(row["document"], {r["name"]: r["arrow_ipc"] for r in tables})


async def save(pool: asyncpg.Pool, job_id: UUID, checkpoint: Checkpoint) -> None:
    document, tables = encode(checkpoint)
    cursor = checkpoint.cursor
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO rebuild_checkpoints (job_id, cursor, document, trades, calls) VALUES ($1,$2,$3,$4,$5)"
            " ON CONFLICT (job_id) DO UPDATE SET cursor=$2, document=$3, trades=$4, calls=$5, updated_at=now()",
            job_id, cursor.since, document, cursor.trades, cursor.calls,
        )
        await conn.execute("DELETE FROM rebuild_checkpoint_tables WHERE job_id = $1", job_id)
        await conn.executemany("INSERT INTO rebuild_checkpoint_tables (job_id, name, arrow_ipc) VALUES ($1, $2, $3)",
                               [(job_id, name, data) for name, data in tables.items()])


async def drop(pool: asyncpg.Pool, job_id: UUID) -> None:
    await pool.execute("DELETE FROM rebuild_checkpoints WHERE job_id = $1", job_id)


async def drop_ended(pool: asyncpg.Pool) -> None:
    """Checkpoints are kept until their job has ended, whatever the rebuilder has announced, and then
    dropped here, by whichever rebuilder takes the next command."""
    await pool.execute("DELETE FROM rebuild_checkpoints c USING data_jobs j WHERE j.id = c.job_id"
                       " AND j.status IN ('completed', 'failed', 'cancelled')")
