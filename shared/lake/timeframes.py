"""Timeframes the system accepts, Kraken's epoch-aligned bucketing, and how the system writes a moment:
ms since the epoch inside, ISO-8601 UTC to the second outside."""

from __future__ import annotations

from datetime import UTC, datetime

MINUTES: dict[str, int] = {
    "1m": 1,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "1h": 60,
    "4h": 240,
    "1d": 1440,
    "1w": 10080,
    "2w": 20160,
}

# A moment as the API, the events and the CSV downloads write it.
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# Intervals Kraken's OHLC endpoint serves (2w is not one of them: it is derived from 1w).
KRAKEN_OHLC_MINUTES = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
# Intervals present in Kraken's official OHLCVT dump.
KRAKEN_DUMP_MINUTES = (1, 5, 15, 30, 60, 240, 720, 1440)


def seconds(timeframe: str) -> int:
    return MINUTES[timeframe] * 60


def millis(timeframe: str) -> int:
    return MINUTES[timeframe] * 60_000


def bucket_start_s(ts_s: int | float, timeframe: str) -> int:
    """Kraken aligns every bucket to the Unix epoch, so 1w buckets open on Thursdays 00:00 UTC."""
    step = seconds(timeframe)
    return int(ts_s // step) * step


def to_ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def iso(moment: int | datetime) -> str:
    """A moment (ms since the epoch, or a datetime: a naive one is taken as UTC) in ISO_FORMAT."""
    if not isinstance(moment, datetime):
        moment = from_ms(moment)
    elif moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(ISO_FORMAT)


def job_timeframes(timeframe: str, options: dict) -> list[str]:
    """Every timeframe a job writes: its own, then a rebuild's extra ones (options.timeframes)."""
    return list(dict.fromkeys([timeframe, *options.get("timeframes", [])]))
