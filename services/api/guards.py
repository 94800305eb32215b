"""What the API refuses before any handler runs: a request for a host name it does not serve (DNS
rebinding), a write from another site or that is not JSON (a cross-site form or text/plain POST needs
no CORS preflight, so without these checks any page open in the user's browser could submit or
cancel jobs), and a missing or wrong bearer token."""

from __future__ import annotations

import hmac
import ipaddress

from aiohttp import web

from services.api.errors import ApiError
from shared.platform.settings import Settings

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The contracts are public: a client reads them before it has a token.
OPEN_PATHS = frozenset({"/api/openapi.json", "/api/asyncapi.json", "/api/event-types"})


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """Host names the API answers for; None means any (bound to every interface, behind a proxy or in
    a cluster, where ALLOWED_HOSTS names the public ones)."""
    if settings.allowed_hosts:
        return frozenset(h.lower() for h in settings.allowed_hosts)
    try:
        loopback = ipaddress.ip_address(settings.api_host).is_loopback
    except ValueError:
        loopback = settings.api_host == "localhost"
    return frozenset(LOOPBACK_NAMES) if loopback else None


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8080
        return host[1:host.find("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(request: web.Request, origin: str, allowed: frozenset[str]) -> bool:
    return origin in allowed or origin == f"{request.scheme}://{request.host}"


def site_guard(settings: Settings):
    hosts, origins = allowed_hosts(settings), frozenset(o.rstrip("/") for o in settings.allowed_origins)

    @web.middleware
    async def guard(request: web.Request, handler) -> web.StreamResponse:
        if hosts is not None and _host_name(request.host) not in hosts:
            raise ApiError(421, "Host", "this server does not answer for that host name (ALLOWED_HOSTS)",
                           "misdirected_request")
        # A method or path with no route gets its 405 or 404 first: there is no write to guard.
        if request.method in WRITE_METHODS and request.match_info.http_exception is None:
            origin = request.headers.get("Origin")
            if origin is not None and not _same_origin(request, origin.rstrip("/"), origins):
                raise ApiError(403, "Origin", "cross-origin writes are refused (ALLOWED_ORIGINS)", "forbidden")
            # A body, or a declared type, must be JSON (a cross-site form can send neither); a write with
            # neither (a DELETE) has nothing to read.
            declared = request.headers.get("Content-Type") is not None or request.can_read_body
            if declared and request.content_type != "application/json":
                raise ApiError(415, "Content-Type", "must be application/json", "unsupported_media_type")
        return await handler(request)

    return guard


def require_token(token: str | None):
    expected = f"Bearer {token}".encode() if token else None

    @web.middleware
    async def check(request: web.Request, handler) -> web.StreamResponse:
        if expected is not None and request.path.startswith("/api/") and request.path not in OPEN_PATHS:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                raise ApiError(401, "Authorization", "a valid 'Bearer <API_TOKEN>' header is required",
                               "unauthorized", headers={"WWW-Authenticate": 'Bearer realm="candle-history"'})
        return await handler(request)

    return check
