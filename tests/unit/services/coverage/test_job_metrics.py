"""A job's duration runs from its start, or from its submission when it never started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.coverage.job_metrics import duration_s

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def test_duration_from_the_start_or_the_submission():
    assert duration_s(T0, T0 + timedelta(seconds=5), T0 + timedelta(seconds=65)) == 60
    assert duration_s(T0, None, T0 + timedelta(seconds=3)) == 3  # cancelled while queued
    assert duration_s(T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=1)) == 0  # clocks of two hosts
