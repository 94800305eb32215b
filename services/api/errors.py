"""Every refusal is JSON naming the field and the reason (responses/base.py ErrorBody); nothing leaks a
stack trace."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import ValidationError

from services.api.responses.base import ErrorBody, answer

log = structlog.get_logger()

# aiohttp's own refusals (no route, no such method, a body too large) name the part of the request at fault.
HTTP_FIELDS = {404: "path", 405: "method"}


def error_response(status: int, error: str, field: str, reason: str,
                   headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(answer(ErrorBody(error=error, field=field, reason=reason)), status=status,
                             headers=headers)


class ApiError(Exception):
    def __init__(self, status: int, field: str, reason: str, error: str = "invalid_request",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.field, self.reason, self.error = status, field, reason, error
        self.headers = headers or {}

    def response(self) -> web.Response:
        return error_response(self.status, self.error, self.field, self.reason, self.headers)


def from_validation(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    reason = "unknown field" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
    return ApiError(422, field, reason)


def _http_error(exc: web.HTTPException) -> web.Response:
    code = exc.reason.lower().replace(" ", "_")
    return error_response(exc.status, code, HTTP_FIELDS.get(exc.status, "body"), exc.text or exc.reason,
                          {k: v for k, v in exc.headers.items() if k.lower() == "allow"})


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except ValidationError as exc:
        return from_validation(exc).response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_error(exc)
    except ConnectionResetError:
        # The client went away mid-answer (a closed tab, an aborted download): not an error, and nothing
        # more is owed to it. aiohttp finds the connection closed when it sends this, and drops it quietly.
        log.info("request.client_gone", path=request.path)
        return web.Response(status=499)
    except Exception:
        log.exception("request.failed", path=request.path)
        return error_response(500, "internal_error", "body", "the server failed to answer; the error is logged")
