"""What the client raises: the API's refusal (its status, field and reason, as every error body of the
API carries them), or a server that cannot be reached or failed."""

from __future__ import annotations

from typing import Any


class CandlesError(Exception):
    """Anything the client could not do."""


class ApiError(CandlesError):
    """A 4xx or 5xx answer. `field` names what the refusal is about (a parameter, a body field such as
    options.confirm, a header), `reason` says why; `body` is the whole answer (a 409 `incomplete` of
    POST /api/datasets also carries `missing` and `plan`)."""

    def __init__(self, status: int, error: str, field: str, reason: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.status, self.error, self.field, self.reason = status, error, field, reason
        self.body = body or {}

    @property
    def missing(self) -> list[dict[str, Any]]:
        return self.body.get("missing", [])


class Unreachable(CandlesError):
    """No answer: the server is down, the URL is wrong, or the connection broke."""


def from_answer(status: int, content: bytes) -> ApiError:
    """The API's error body as an ApiError; an answer that is not one (a proxy's page) still names its status."""
    import json

    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, dict) or "reason" not in body:
        text = content.decode(errors="replace").strip()[:200] or "no body"
        return ApiError(status, "http_error", "body", f"HTTP {status}: {text}")
    return ApiError(status, str(body.get("error", "error")), str(body.get("field", "body")), str(body["reason"]), body)
