"""The one way the system writes a moment: ISO-8601 UTC to the second, from ms or from a datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from shared.lake.timeframes import ISO_FORMAT, iso, to_ms


def test_ms_and_datetimes_read_alike():
    moment = datetime(2024, 2, 29, 23, 59, 58, 999_000, tzinfo=UTC)
    assert iso(to_ms(moment)) == iso(moment) == "2024-02-29T23:59:58Z"
    assert iso(0) == "1970-01-01T00:00:00Z"


def test_a_datetime_elsewhere_is_written_in_utc_and_a_naive_one_is_taken_as_utc():
    paris = datetime(2024, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert iso(paris) == "2024-03-01T00:00:00Z"
    assert iso(datetime(2024, 3, 1)) == "2024-03-01T00:00:00Z"
    assert datetime.strptime(iso(paris), ISO_FORMAT) == datetime(2024, 3, 1)
