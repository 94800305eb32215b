"""A checkpoint part as a restarted rebuilder gets it back: its document through JSON text, its tables
through Arrow IPC."""

from __future__ import annotations

import json
from typing import TypeVar

from services.rebuilder.saved import Part, Saved, from_ipc, to_ipc

P = TypeVar("P", bound=Part)


def reloaded(part: P) -> P:
    saved = part.to_saved()
    return type(part).from_saved(Saved(json.loads(json.dumps(saved.document)),
                                       {name: from_ipc(to_ipc(t)) for name, t in saved.tables.items()}))
