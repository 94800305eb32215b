"""The docs pages are served as HTML, each link the page and the docs make to /docs/ leads to one,
and an unknown page is a JSON 404 naming it."""

import re

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.api.docs import DOCS, PAGES, add_docs
from services.api.errors import json_errors
from services.api.page import STATIC


def _links() -> set[str]:
    texts = [(STATIC / "index.html").read_text(), (STATIC / "app.js").read_text(),
             *(p.read_text() for p in DOCS.glob("*.md"))]
    return {m for text in texts for m in re.findall(r'/docs/[a-z0-9-]*', text)}


async def test_every_docs_link_leads_to_a_page_and_a_wrong_one_is_named():
    assert {"rest-720", "rate-limits", "costs", "ledger-states"} <= set(PAGES)
    app = web.Application(middlewares=[json_errors])
    add_docs(app)
    async with TestClient(TestServer(app)) as client:
        links = _links()
        assert "/docs/rest-720" in links and "/docs/ledger-states" in links
        for link in links:
            resp = await client.get(link)
            assert resp.status == 200 and resp.content_type == "text/html", link
        page = await (await client.get("/docs/rest-720")).text()
        assert "<title>Kraken&#x27;s REST OHLC" in page or "<title>Kraken's REST OHLC" in page
        assert "<table>" in page  # the markdown's tables are rendered
        resp = await client.get("/docs/nope")
        body = await resp.json()
        assert resp.status == 404 and body["field"] == "page" and "rest-720" in body["reason"]
