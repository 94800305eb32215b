"""Exact limb sums against Python's unbounded integers, and their one rounding to float64 against
Python's correctly rounded int division."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.rebuilder import exact

INT63 = st.integers(0, 2**63 - 1)
# Mostly Kraken-sized values, some at the very top of int64: both paths of sum_products get taken.
VALUES = st.one_of(st.integers(0, 2**40), st.integers(0, 2**55), INT63)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=60), st.data())
def test_sums_of_units_and_products_equal_python_integers(pairs, data):
    a = np.array([p for p, _ in pairs], dtype=np.int64)
    b = np.array([v for _, v in pairs], dtype=np.int64)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(pairs) - 1), max_size=8)) if len(pairs) > 1 else []))
    starts = np.array([0, *cuts], dtype=np.int64)
    bounds = [*starts.tolist(), len(pairs)]
    want_units = [sum(int(x) for x in b[s:e]) for s, e in zip(bounds, bounds[1:], strict=False)]
    want_products = [sum(int(x) * int(y) for x, y in zip(a[s:e], b[s:e], strict=True))
                     for s, e in zip(bounds, bounds[1:], strict=False)]
    assert exact.to_ints(exact.sum_units(b, starts)).tolist() == want_units
    assert exact.to_ints(exact.sum_products(a, b, starts)).tolist() == want_products
    assert exact.to_ints(exact.reduce(exact.product(a, b), starts)).tolist() == want_products
    # Normalised: mid and lo below 2**32, so equal sums have equal limbs.
    for limbs in (exact.sum_units(b, starts), exact.sum_products(a, b, starts)):
        assert all(((x >= 0) & (x < 2**32)).all() for x in limbs[1:])


def limbs_of(values: list[int]) -> exact.Limbs:
    return tuple(np.array([(v >> shift) & (2**32 - 1) if shift < 64 else v >> 64 for v in values], dtype=np.int64)
                 for shift in (64, 32, 0))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**120), st.integers(0, 2**70)), min_size=1, max_size=40),
       st.sampled_from([0, 8, 10]))
def test_float_conversions_round_once_and_correctly(pairs, decimals):
    nums, dens = [n for n, _ in pairs], [d for _, d in pairs]
    got = exact.ratio(limbs_of(nums), limbs_of(dens), decimals)
    want = [n / (d * 10**decimals) if d else float("nan") for n, d in pairs]
    assert np.array_equal(got, np.array(want), equal_nan=True)
    assert np.array_equal(exact.to_float(limbs_of(dens), decimals), np.array([d / 10**decimals for d in dens]))


def test_ratio_near_a_halfway_point_is_still_correctly_rounded():
    # num / den = 1 + 2**-53 (+ or - a hair): exactly between two floats (ties to even), or just off it.
    den = 2**60
    # Below a power of 2 the floats are twice as dense: 1 - 2**-54 lies halfway under 1.0.
    for num in (den + 2**7, den + 2**7 + 1, den + 2**7 - 1, den + 3 * 2**7, 3 * den // 7,
                den - 2**6, den - 2**6 + 1, den - 2**6 - 1, den - 1, den - 3 * 2**6, den):
        got = exact.ratio(limbs_of([num]), limbs_of([den]), 0)[0]
        assert got == num / den
    # Past long double's 64 bits the hair is lost in its sums, so only the exact path can tell.
    den = 2**70
    for num in (den - 2**16 - 1, den - 2**16 + 1, den + 2**17 - 1, den + 2**17 + 1):
        assert exact.ratio(limbs_of([num]), limbs_of([den]), 0)[0] == num / den
