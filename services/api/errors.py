"""Every refusal is JSON naming the field and the reason; nothing leaks a stack trace."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import ValidationError

log = structlog.get_logger()


class ApiError(Exception):
    def __init__(self, status: int, field: str, reason: str, error: str = "invalid_request") -> None:
        super().__init__(reason)
        self.status, self.field, self.reason, self.error = status, field, reason, error

    def response(self) -> web.Response:
        return web.json_response({"error": self.error, "field": self.field, "reason": self.reason},
                                 status=self.status)


def from_validation(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    reason = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
    return ApiError(422, field, reason)


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
        return web.json_response({"error": exc.reason, "field": None, "reason": exc.text or exc.reason},
                                 status=exc.status, headers={k: v for k, v in exc.headers.items()
                                                             if k.lower() == "allow"})
    except Exception:
        log.exception("request.failed", path=request.path)
        return web.json_response({"error": "internal_error", "field": None,
                                  "reason": "the server failed to answer; the error is logged"}, status=500)


# The contracts are public: a client reads them before it has a token.
PUBLIC = frozenset({"/api/openapi.json", "/api/asyncapi.json", "/api/event-types"})


def require_token(token: str | None):
    @web.middleware
    async def check(request: web.Request, handler) -> web.StreamResponse:
        if token and request.path.startswith("/api/") and request.path not in PUBLIC:
            if request.headers.get("Authorization") != f"Bearer {token}":
                raise ApiError(401, "Authorization", "a valid 'Bearer <API_TOKEN>' header is required",
                               "unauthorized")
        return await handler(request)

    return check
