"""How Kraken writes numbers and times, as seen in the captures under
tests/data/kraken/ (REST answers and official dump files)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from .candles import Candles
from .pairs import Pair
from .tape import Trades

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ohlc_rows(c: Candles, pair: Pair) -> list[list]:
    """OHLC rows: [time, "o", "h", "l", "c", "vwap", "volume", count]; prices and vwap
    with the pair's decimals, volume with 8 (flat rows: vwap "0.0", "0.00000000")."""
    d = pair.pair_decimals
    return [
        [t, f"{o:.{d}f}", f"{h:.{d}f}", f"{lo:.{d}f}", f"{cl:.{d}f}", f"{w:.{d}f}", f"{v:.8f}", n]
        for t, o, h, lo, cl, w, v, n in zip(
            c.time_s.tolist(), c.open.tolist(), c.high.tolist(), c.low.tolist(), c.close.tolist(),
            c.vwap.tolist(), c.volume.tolist(), c.count.tolist(), strict=True)
    ]


def trade_time(ts_ns: int) -> float | int:
    """Kraken's seconds, rounded to 4 decimals as in the capture (cursor
    1607189546644797379 is listed as 1607189546.6448), so a trade in the last 50 us
    of a second shows the next second. A whole second comes out as a JSON integer,
    as in the captures (1607185844, not 1607185844.0)."""
    tenths_of_ms = (ts_ns + 50_000) // 100_000
    return tenths_of_ms // 10_000 if tenths_of_ms % 10_000 == 0 else tenths_of_ms / 1e4


def trade_rows(t: Trades, pair: Pair) -> list[list]:
    """Trades rows: ["price", "volume", time, "b"|"s", "m"|"l", "", trade_id]."""
    d = pair.trade_price_decimals
    return [
        [f"{p:.{d}f}", f"{v:.8f}", trade_time(ns), s, o, "", i]
        for p, v, ns, s, o, i in zip(
            t.price.tolist(), t.volume.tolist(), t.ts_ns.tolist(), t.side.tolist(),
            t.ordertype.tolist(), t.trade_id.tolist(), strict=True)
    ]


def rfc1123(ts_s: float) -> str:
    """Time endpoint's form: 'Wed,  1 Jan 20 10:07:20 +0000' (day padded by a space)."""
    t = time.gmtime(int(ts_s))
    return (f"{_DAYS[t.tm_wday]}, {t.tm_mday:2d} {_MONTHS[t.tm_mon - 1]} {t.tm_year % 100:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000")


def iso_z(ts_s: float) -> str:
    return datetime.fromtimestamp(int(ts_s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_when(value: str | float | int | datetime) -> float:
    """Seconds since the epoch from an ISO string (naive = UTC), a datetime or a number."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return dt.timestamp()
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
