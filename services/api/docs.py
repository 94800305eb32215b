"""The project's short docs pages (static/docs/*.md: the 720 cap, rate limits, costs, the ledger's states),
served as HTML at /docs/<name>, so the page can link each where it applies without sending anyone to
the internet."""

from __future__ import annotations

from html import escape
from pathlib import Path

from aiohttp import web
from markdown_it import MarkdownIt

from services.api.errors import ApiError

# Beside the page's files, so an installed package (the image) carries them too.
DOCS = Path(__file__).with_name("static") / "docs"
_MARKDOWN = MarkdownIt("commonmark").enable("table")
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Kraken candles</title><link rel="stylesheet" href="/static/style.css"></head>
<body><header><h1><a href="/">Data › Fetch history</a> › <a href="/docs/">Docs</a></h1></header>
<main><section class="doc">{body}</section></main></body></html>
"""


def _title(text: str) -> str:
    return next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "Docs")


def _pages() -> dict[str, tuple[str, str]]:
    """name -> (title, HTML), rendered once: the files are part of the release."""
    pages = {}
    for path in sorted(DOCS.glob("*.md")) if DOCS.is_dir() else []:
        text = path.read_text()
        pages[path.stem] = (_title(text), _PAGE.format(title=escape(_title(text)), body=_MARKDOWN.render(text)))
    return pages


PAGES = _pages()


async def doc_page(request: web.Request) -> web.Response:
    found = PAGES.get(request.match_info["page"])
    if found is None:
        raise ApiError(404, "page", f"no such docs page; there are: {', '.join(PAGES)}", "not_found")
    return web.Response(text=found[1], content_type="text/html")


async def doc_index(request: web.Request) -> web.Response:
    items = "".join(f'<li><a href="/docs/{name}">{escape(title)}</a></li>' for name, (title, _) in PAGES.items())
    return web.Response(text=_PAGE.format(title="Docs", body=f"<h2>Docs</h2><ul>{items}</ul>"),
                        content_type="text/html")


def add_docs(app: web.Application) -> None:
    app.router.add_get("/docs/", doc_index)
    app.router.add_get("/docs/{page}", doc_page)
