"""A small typed client of the candle-history API, sync and async, for notebooks and scripts, and the
`candles` command built on it (candles_client.cli). It speaks HTTP only (httpx) and imports nothing of
the server."""

from candles_client.client import AsyncClient, Client
from candles_client.errors import ApiError, CandlesError, Unreachable

__all__ = ["ApiError", "AsyncClient", "CandlesError", "Client", "Unreachable"]
