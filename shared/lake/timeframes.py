"""Timeframes the system accepts, and how it writes a moment: ms since the epoch inside, ISO-8601 UTC
to the second outside. Buckets are aligned to the Unix epoch, as Kraken's are: 1w candles open on
Thursdays 00:00 UTC, and a 2w bucket holds two whole epoch-aligned weeks."""

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


def millis(timeframe: str) -> int:
    return MINUTES[timeframe] * 60_000


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


def parse_iso(moment: str) -> int:
    """ms since the epoch of a moment written as iso() writes it."""
    return to_ms(datetime.strptime(moment, ISO_FORMAT).replace(tzinfo=UTC))
