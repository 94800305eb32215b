"""What the API's handlers reach through the app: typed keys (aiohttp web.AppKey)."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.api.limits import StreamSlots
from shared.jobs.events.log import EventLog
from shared.kraken.client import ExchangeClient
from shared.lake.storage import Storage
from shared.platform.bus import Bus
from shared.platform.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
BUS = web.AppKey("bus", Bus)
EVENTS = web.AppKey("events", EventLog)
STORAGE = web.AppKey("storage", Storage)
STREAMS = web.AppKey("streams", StreamSlots)
# One exchange client per process, with one market list, for every request that asks Kraken (dry runs).
KRAKEN = web.AppKey("kraken", ExchangeClient)
