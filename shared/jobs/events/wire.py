"""What every event on the bus shares, a job's (envelope.py) or a dataset's (datasets.py): `schema_version`,
`type`, `ts` and `data`, the payload model its `type` names."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 1


class Wire(BaseModel):
    """The fields each kind of event declares itself, in the order it is sent."""

    model_config = ConfigDict(extra="ignore")

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


def typed_data(raw: Any) -> Any:
    """Built from a payload model, the event takes its type; read from JSON or a row, the event's type
    tells which payload model `data` is."""
    if not isinstance(raw, dict):
        return raw
    data = raw.get("data")
    if isinstance(data, BaseModel):
        if raw.get("type", data.type) != data.type:
            raise ValueError(f"a {data.type} payload in a {raw['type']} event")
        return {**raw, "type": data.type}
    return {**raw, "data": {**(data or {}), "type": raw.get("type")}}
