"""The web page (Data › Fetch history): static files in services/api/static, served as they are."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from services.api.errors import ApiError

STATIC = Path(__file__).with_name("static")
# The charting library, installed from the lockfile by npm ci: served from here, so the page fetches
# nothing from the internet. A checkout has it in node_modules (make install); an installed package (the
# image) carries it in static/vendor/, where the image's build puts it.
CHART_FILE = "lightweight-charts.standalone.production.js"
CHART_LIBRARY = next((p for p in (STATIC / "vendor" / CHART_FILE, Path(__file__).resolve().parents[2]
                                  / "node_modules" / "lightweight-charts" / "dist" / CHART_FILE) if p.is_file()),
                     None)
# The files there, and nothing else: a name is looked up, never joined into a path.
FILES = {p.name: p for p in STATIC.iterdir() if p.is_file()}
if CHART_LIBRARY is not None:
    FILES["lightweight-charts.js"] = CHART_LIBRARY


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def static_file(request: web.Request) -> web.FileResponse:
    # aiohttp's own static route answers a missing file with an empty 404 of its own; this one is JSON.
    path = FILES.get(request.match_info["file"])
    if path is None:
        raise ApiError(404, "file", "no such file", "not_found")
    return web.FileResponse(path)


def add_page(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/static/{file}", static_file)
