"""What every answer shares: the base model, the time format, and the error body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema


def utc_seconds(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Times are ISO 8601 UTC to the second: 2026-11-20T00:00:00Z.
Time = Annotated[datetime, PlainSerializer(utc_seconds, return_type=str),
                 WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-20T00:00:00Z"]})]


class Answer(BaseModel):
    # Every field is always sent (null where there is none), so the document marks each one required.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


def answer(model: BaseModel) -> Any:
    """The model as the JSON body it is sent as."""
    return model.model_dump(mode="json")


class ErrorBody(Answer):
    """Every refusal and failure: what went wrong, where, and why. No stack trace, no internals."""

    error: str = Field(description="a code: invalid_request, malformed_json, not_found, conflict, unavailable,"
                                   " confirmation_required, unauthorized, forbidden, unsupported_media_type,"
                                   " misdirected_request, method_not_allowed, internal_error, ...")
    field: str = Field(description="what the refusal is about: a body field (dotted, e.g. options.confirm), a"
                                   " query or path parameter, a header name (Authorization, Content-Type, Origin,"
                                   " Host, Last-Event-ID), `body` for the request as a whole, or a dependency"
                                   " (exchange, job_queue)")
    reason: str = Field(description="why, for people")
