"""The /0/public/* endpoints as plain functions: (simulator, query) -> result.
Errors are raised as KrakenError and become Kraken's {"error": [...]} answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from .candles import INTERVALS
from .kfmt import iso_z, rfc1123, trade_rows
from .pairs import Pair
from .sim import Simulator

NS = 1_000_000_000
MAX_TRADES = 1000
# Trades' `since` above this is a nanosecond cursor, below it seconds.
NS_THRESHOLD = 10**12

INVALID = "EGeneral:Invalid arguments"
UNKNOWN_PAIR = "EQuery:Unknown asset pair"
UNKNOWN_ASSET = "EQuery:Unknown asset"
UNKNOWN_METHOD = "EGeneral:Unknown method"


class KrakenError(Exception):
    pass


def _pair(sim: Simulator, q: Mapping[str, str]) -> Pair:
    name = q.get("pair")
    if not name:
        raise KrakenError(INVALID)
    pair = sim.catalogue.get(name)
    if pair is None:
        raise KrakenError(UNKNOWN_PAIR)
    return pair


def _number(text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise KrakenError(INVALID) from None
    if not value.is_finite() or value < 0:
        raise KrakenError(INVALID)
    return value


def time_(sim: Simulator, q: Mapping[str, str]) -> dict:
    now = sim.now_s()
    return {"unixtime": int(now), "rfc1123": rfc1123(now)}


def system_status(sim: Simulator, q: Mapping[str, str]) -> dict:
    return {"status": "online", "timestamp": iso_z(sim.now_s())}


def assets(sim: Simulator, q: Mapping[str, str]) -> dict:
    if not q.get("asset"):
        return dict(sorted(sim.catalogue.assets().items()))
    out = {}
    for name in q["asset"].split(","):
        found = sim.catalogue.asset(name)
        if found is None:
            raise KrakenError(UNKNOWN_ASSET)
        out[found[0]] = found[1]
    return out


_INFO = {"leverage": ("leverage_buy", "leverage_sell"),
         "fees": ("fees", "fees_maker", "fee_volume_currency"),
         "margin": ("margin_call", "margin_stop")}


def asset_pairs(sim: Simulator, q: Mapping[str, str]) -> dict:
    info = q.get("info", "info")
    if info != "info" and info not in _INFO:
        raise KrakenError(INVALID)
    if q.get("pair"):
        pairs = [sim.catalogue.get(n) for n in q["pair"].split(",")]
        if None in pairs:
            raise KrakenError(UNKNOWN_PAIR)
    else:
        pairs = sorted(sim.catalogue.pairs, key=lambda p: p.id)
    out = {}
    for p in pairs:
        entry = p.asset_pair_info()
        out[p.id] = entry if info == "info" else {k: entry[k] for k in _INFO[info]}
    return out


def ohlc(sim: Simulator, q: Mapping[str, str]) -> dict:
    pair = _pair(sim, q)
    interval = _number(q.get("interval", "1"))
    if interval is None or interval != interval.to_integral_value() or int(interval) not in INTERVALS:
        raise KrakenError(INVALID)
    since = _number(q.get("since"))
    rows, last = sim.ohlc_window(pair, int(interval))
    if since is not None:
        rows = [r for r in rows if r[0] > since]
    return {pair.id: rows, "last": last}


def since_ns(value: Decimal) -> int:
    """Trades' `since`: a nanosecond cursor (e.g. 1607189546644797379) or seconds
    (1607184000 or 1607184000.5)."""
    return int(value) if value >= NS_THRESHOLD else int(value * NS)


def trades(sim: Simulator, q: Mapping[str, str]) -> dict:
    pair = _pair(sim, q)
    count = _number(q.get("count"))
    limit = MAX_TRADES if count is None else min(int(count), MAX_TRADES)
    if limit < 1:
        raise KrakenError(INVALID)
    since = _number(q.get("since"))
    now_ns = sim.now_ns()
    if since is None:
        found = sim.tape.before(pair, now_ns, limit)
        cursor = 0
    else:
        cursor = since_ns(since)
        found = sim.tape.after(pair, cursor, now_ns, limit)
    last = int(found.ts_ns[-1]) if found.n else cursor
    return {pair.id: trade_rows(found, pair), "last": str(last)}


HANDLERS: dict[str, Callable[[Simulator, Mapping[str, str]], dict]] = {
    "Time": time_, "SystemStatus": system_status, "Assets": assets,
    "AssetPairs": asset_pairs, "OHLC": ohlc, "Trades": trades,
}
_METHOD = re.compile(r"^[A-Za-z]+$")


def call(sim: Simulator, method: str, query: Mapping[str, str]) -> dict:
    """Kraken's whole answer body for one public call."""
    handler = HANDLERS.get(method) if _METHOD.match(method) else None
    try:
        if handler is None:
            raise KrakenError(UNKNOWN_METHOD)
        return {"error": [], "result": handler(sim, query)}
    except KrakenError as e:
        return {"error": [str(e)]}
