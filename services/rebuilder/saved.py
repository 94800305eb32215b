"""The saved form of one part of a rebuild checkpoint: its scalars as a JSON-ready document, and its
table-valued state as named Arrow tables (checkpoint.py stores each as an Arrow IPC stream)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Self

import pyarrow as pa


@dataclass(frozen=True)
class Saved:
    document: dict[str, Any]
    tables: dict[str, pa.Table] = field(default_factory=dict)


class Part(Protocol):
    def to_saved(self) -> Saved: ...

    @classmethod
    def from_saved(cls, saved: Saved) -> Self: ...


def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()
