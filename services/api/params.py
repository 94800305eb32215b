"""Query parameters as pydantic models: each handler reads its query through one, so a bad value is a
422 naming the parameter (never a database error), and the OpenAPI document lists them from the
same models."""

from __future__ import annotations

import re
from typing import Annotated, Literal, TypeVar

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from services.api.errors import ApiError, from_validation

NAME_MAX = 64
# Printable ASCII: every exchange id, pair and timeframe is. One pattern for the check and the document
# (str.isprintable has no JSON Schema spelling, so a schema-valid name could have been refused).
NAME_PATTERN = f"^[ -~]{{1,{NAME_MAX}}}$"


def _printable(value: str) -> str:
    # A NUL byte or another control character never reaches PostgreSQL, which would refuse it with a
    # server error; a long one never reaches an error message.
    if not re.fullmatch(NAME_PATTERN.strip("^$"), value):
        raise ValueError(f"must be 1 to {NAME_MAX} printable characters (ASCII)")
    return value


# Names of exchanges, pairs and timeframes.
Name = Annotated[str, AfterValidator(_printable),
                 WithJsonSchema({"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": NAME_PATTERN})]
# Event seqs are PostgreSQL integers.
SEQ_MAX = 2**31 - 1
Seq = Annotated[int, Field(ge=0, le=SEQ_MAX)]

Q = TypeVar("Q", bound="Query")


class Query(BaseModel):
    # Unknown parameters are ignored: browsers and proxies add their own (cache busters).
    model_config = ConfigDict(extra="ignore")


class MarketsQuery(Query):
    exchange: Name = "kraken"
    all: bool = Field(False, description="include markets that are known but not enabled")


class CoverageQuery(Query):
    exchange: Name
    symbol: Name | None = None
    timeframe: Name | None = None


class JobsQuery(Query):
    limit: int = Field(50, ge=1, le=500, description="newest first")


# Microseconds since the epoch (16 digits reach the year 2286) and the dataset id.
DATASET_CURSOR = "^[0-9]{1,16}-[0-9a-f]{32}$"


class DatasetsQuery(Query):
    limit: int = Field(50, ge=1, le=500, description="newest first")
    before: str | None = Field(None, pattern=DATASET_CURSOR, description="the `next` of the previous page")


class TimeframeQuery(Query):
    timeframe: Name | None = Field(None, description="one of the job's timeframes; default its own")


class CandlesQuery(TimeframeQuery):
    format: Literal["parquet", "csv"] = "parquet"


class EventsQuery(Query):
    after: Seq = Field(0, description="replay events after this seq (the Last-Event-ID header wins)")


def parse_query(model: type[Q], request: web.Request) -> Q:
    """The request's query as `model`; a bad parameter is a 400 naming it."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        refusal = from_validation(exc)
        raise ApiError(400, refusal.field, refusal.reason) from exc
