"""/_sim/* routes: statistics, fault and clock control, and the dump files.
These are never subject to faults or the rate limit."""

from __future__ import annotations

import asyncio
import tempfile

from aiohttp import web

from .dumpnames import available, resolve
from .dumps import OHLCVT_INTERVALS, write_zip
from .kfmt import iso_z
from .sim import Simulator

_CHUNK = 1 << 20


def add_routes(app: web.Application, sim: Simulator) -> None:
    async def stats(request: web.Request) -> web.Response:
        return web.json_response(sim.stats())

    async def reset(request: web.Request) -> web.Response:
        sim.reset_stats()
        return web.json_response(sim.stats())

    async def faults(request: web.Request) -> web.Response:
        """POST {"spec": "520:0.1"} and/or {"script": ["520", null, "reset"]}."""
        if request.method == "POST":
            body = await request.json()
            try:
                if "spec" in body:
                    sim.set_faults(body["spec"])
                if "script" in body:
                    sim.script_faults(body["script"])
            except ValueError as e:
                raise web.HTTPBadRequest(text=str(e)) from None
        return web.json_response({"spec": sim.faults.spec, "probs": sim.faults.probs,
                                  "scripted": sim.faults.scripted})

    async def clock(request: web.Request) -> web.Response:
        """POST {"now": ISO or epoch seconds} or {"advance": seconds}."""
        if request.method == "POST":
            body = await request.json()
            if "now" in body:
                sim.set_now(body["now"])
            if "advance" in body:
                sim.clock.advance(float(body["advance"]))
        now = sim.now_ns()
        return web.json_response({"now": iso_z(now // 1_000_000_000), "now_ns": now,
                                  "mode": sim.clock.mode})

    async def dump_list(request: web.Request) -> web.Response:
        cutoff = sim.dump_cutoff_s
        first = min(p.listed_s for p in sim.catalogue.pairs)
        return web.json_response({"cutoff": iso_z(cutoff), "files": available(cutoff, first)})

    async def dump(request: web.Request) -> web.StreamResponse:
        """?pairs=XBTUSD,ETHUSD&intervals=1,60&start=ISO&end=ISO narrow the file."""
        name = request.match_info["name"]
        found = resolve(name, sim.dump_cutoff_s)
        if found is None:
            raise web.HTTPNotFound(text=f"no dump {name}")
        q = request.query
        try:
            pairs = sim.select_pairs(q.get("pairs"))
            intervals = tuple(int(x) for x in q["intervals"].split(",")) if q.get("intervals") \
                else OHLCVT_INTERVALS
            if any(i not in OHLCVT_INTERVALS for i in intervals):
                raise ValueError(f"intervals must be among {OHLCVT_INTERVALS}")
            start, end = sim.parse_time(q.get("start")), sim.parse_time(q.get("end"))
        except (KeyError, ValueError) as e:
            raise web.HTTPBadRequest(text=f"bad dump query: {e}") from None
        with tempfile.SpooledTemporaryFile(max_size=32 * _CHUNK) as tmp:
            await asyncio.to_thread(write_zip, tmp, sim.store, found, pairs, intervals, start, end)
            size = tmp.tell()
            tmp.seek(0)
            resp = web.StreamResponse(headers={
                "Content-Type": "application/zip",
                "Content-Disposition": f'attachment; filename="{name}"'})
            resp.content_length = size
            await resp.prepare(request)
            while chunk := tmp.read(_CHUNK):
                await resp.write(chunk)
            await resp.write_eof()
        return resp

    app.router.add_get("/_sim/stats", stats)
    app.router.add_post("/_sim/reset", reset)
    app.router.add_route("*", "/_sim/faults", faults)
    app.router.add_route("*", "/_sim/clock", clock)
    app.router.add_get("/_sim/dumps", dump_list)
    app.router.add_get("/_sim/dumps/{name}", dump)
