"""Estimating a rebuild's Trades calls from the density of one page near each end."""

from __future__ import annotations

from shared.planning.cost import estimate, page_density

H = 3_600_000


def test_a_full_page_spans_its_own_time():
    times = [i * 3600 for i in range(1000)]  # 1000 trades in ~1 hour
    assert abs(page_density(times, 0, 10 * H) - 1000 / (999 * 3600)) < 1e-12


def test_a_short_or_overrunning_page_is_an_exact_count():
    assert page_density([10, 20, 30], 0, 100) == 3 / 100
    assert page_density([i for i in range(1000)], 0, 500) == 500 / 500


def test_the_estimate_follows_the_page_size_and_rate_limit():
    got = estimate([1000 / H, 3000 / H], 0, 10 * H, 1.2)
    assert got["trades"] == 20_000 and got["calls"] == 21 and got["seconds"] == 25.2
    assert got["density_per_hour"] == 2000.0
    assert estimate([], 5, 5, 1.2)["calls"] == 0
