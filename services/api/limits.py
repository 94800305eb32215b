"""What one client, and all clients together, may hold at once: queued jobs and open event streams.
Past a cap the answer is 429 with Retry-After, so one runaway script cannot make everyone else's work
wait behind its own (200 jobs in a second once queued 30 minutes of Kraken calls)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

from aiohttp import web

from services.api.errors import ApiError

# A queued job takes seconds to minutes to start; a stream frees its slot when its job ends.
QUEUE_RETRY_AFTER_S = 30
STREAM_RETRY_AFTER_S = 10


def client_of(request: web.Request) -> str:
    """Who is asking: the peer's address (behind a proxy, the proxy's; the caps then hold for all)."""
    return request.remote or "unknown"


def too_many(what: str, limit: int, scope: str, retry_after_s: int) -> ApiError:
    return ApiError(429, what, f"at most {limit} {what.replace('_', ' ')} {scope}; try again later",
                    "too_many_requests", headers={"Retry-After": str(retry_after_s)})


class StreamSlots:
    """Open event streams, counted per client in this process."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total, self.per_client = total, per_client
        self.open: Counter[str] = Counter()

    @contextlib.contextmanager
    def take(self, client: str) -> Iterator[None]:
        if self.open.total() >= self.total:
            raise too_many("event_streams", self.total, "at once", STREAM_RETRY_AFTER_S)
        if self.open[client] >= self.per_client:
            raise too_many("event_streams", self.per_client, "per client at once", STREAM_RETRY_AFTER_S)
        self.open[client] += 1
        try:
            yield
        finally:
            self.open[client] -= 1
            if not self.open[client]:
                del self.open[client]
