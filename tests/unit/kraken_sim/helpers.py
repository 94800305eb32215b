"""Shared helpers for the simulator tests."""

from __future__ import annotations

import json

import aiohttp

from tests.paths import KRAKEN_DATA

REST = KRAKEN_DATA / "rest"
NS = 1_000_000_000


def capture(name: str) -> dict:
    """The recorded response body of one real Kraken capture."""
    return json.loads((REST / name).read_text())["response"]


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


async def get_json(url: str, path: str, **params) -> dict:
    async with aiohttp.ClientSession() as s, s.get(url + path, params=params) as r:
        assert r.status == 200
        return await r.json()


async def get_raw(url: str, path: str, **params) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as s, s.get(url + path, params=params) as r:
        return r.status, r.content_type, await r.read()
