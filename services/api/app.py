"""create_app(): the aiohttp application; connections live in cleanup_ctx."""

from __future__ import annotations

import structlog
from aiohttp import web

from services.api import actions, candles, chart, contracts, jobs, meta, query, stream
from services.api.datasets import handlers as datasets
from services.api.docs import add_docs
from services.api.errors import json_errors
from services.api.guards import require_token, site_guard
from services.api.limits import StreamSlots
from services.api.metrics import measure, metrics
from services.api.openapi import openapi
from services.api.page import add_page
from services.api.planning import api_client
from services.api.state import BUS, EVENTS, KRAKEN, POOL, SETTINGS, STORAGE, STREAMS
from shared.jobs.events.log import EventLog
from shared.kraken.budget import budget_for
from shared.lake.storage import open_storage
from shared.platform.bus import Bus
from shared.platform.db import create_pool
from shared.platform.settings import Settings
from shared.service.health import serving_health

log = structlog.get_logger()


async def _connections(app: web.Application):
    settings = app[SETTINGS]
    app[POOL] = await create_pool(settings.database_url)
    app[BUS] = await Bus.connect(settings.nats_url, "api")
    app[EVENTS] = EventLog(app[POOL], app[BUS])
    app[STORAGE] = open_storage(settings.storage_url, settings.s3_endpoint_url)
    app[KRAKEN] = api_client(settings, budget_for(app[POOL], settings))
    async with serving_health("api", settings, app[POOL], app[BUS]) as port:
        log.info("service.started", metrics_port=port)
        yield
    await app[KRAKEN].close()
    await app[BUS].close()
    await app[POOL].close()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[measure, json_errors, site_guard(settings), require_token(settings.api_token)])
    app[SETTINGS] = settings
    app[STREAMS] = StreamSlots(settings.max_event_streams, settings.max_event_streams_per_client)
    app.cleanup_ctx.append(_connections)
    app.router.add_post("/api/data-jobs", jobs.create_job)
    app.router.add_get("/api/data-jobs", jobs.list_jobs)
    app.router.add_get("/api/data-jobs/{id}", jobs.get_job)
    app.router.add_get("/api/data-jobs/{id}/events", stream.job_events)
    app.router.add_post("/api/data-jobs/{id}/actions", actions.job_action)
    app.router.add_get("/api/data-jobs/{id}/candles", candles.job_candles)
    app.router.add_get("/api/data-jobs/{id}/candles/quality.json", candles.job_quality)
    app.router.add_get("/api/candles", query.candles_query)
    app.router.add_get("/api/candles/quality.json", query.candles_quality)
    app.router.add_post("/api/datasets", datasets.create_dataset)
    app.router.add_get("/api/datasets", datasets.list_datasets)
    app.router.add_get("/api/datasets/{id}", datasets.get_dataset)
    app.router.add_delete("/api/datasets/{id}", datasets.delete_dataset)
    app.router.add_get("/api/datasets/{id}/manifest.json", datasets.get_manifest)
    app.router.add_get("/api/datasets/{id}/files/{name}", datasets.get_file)
    app.router.add_post("/api/datasets/{id}/verify", datasets.verify_dataset)
    app.router.add_get("/api/data-coverage", meta.coverage)
    app.router.add_get("/api/data-coverage/intervals", meta.coverage_intervals)
    app.router.add_get("/api/chart", chart.chart)
    app.router.add_get("/api/exchanges", meta.exchanges)
    app.router.add_get("/api/dumps", meta.dumps)
    app.router.add_get("/api/markets", meta.markets)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/api/asyncapi.json", contracts.asyncapi)
    app.router.add_get("/api/event-types", contracts.event_types)
    app.router.add_get("/healthz", meta.healthz)
    app.router.add_get("/readyz", meta.readyz)
    app.router.add_get("/metrics", metrics)
    add_page(app)
    add_docs(app)
    return app
