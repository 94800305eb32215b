"""Exact sums of non-negative integers past 64 bits, vectorised: a sum is three int64 limbs,
hi * 2**64 + mid * 2**32 + lo, with mid and lo below 2**32 once normalised.

A candle's volume (in 1e-8 units) and its sum of price x volume (in 1e-18 units, for vwap) are kept
this way. Integers add up the same in any order and any grouping, so a candle's totals depend only on
its bucket's trades, not on where pages, dump chunks or jobs cut them; float64 comes once, at the end
(to_float, ratio), correctly rounded. A limb product is below 2**64 and a limb sum of fewer than 2**30
rows below 2**63, so nothing here overflows; float sums (even compensated ones) round at every split.

Per trade, sum_products takes a fast path: the sum modulo 2**64 from wrapping uint64 arithmetic, and
the rest from a float64 sum whose error bound is checked per bucket (far below 2**63, so the nearest
multiple of 2**64 is the right one); a bucket past the bound is summed limb by limb instead.
"""

from __future__ import annotations

import numpy as np

LIMB = 32
MASK = (1 << LIMB) - 1
Limbs = tuple[np.ndarray, np.ndarray, np.ndarray]  # (hi, mid, lo), int64 each
EXACT_FLOAT = 1 << 53  # integers below this convert to float64 without rounding
ROUNDOFF = 2.0**-53  # float64's unit roundoff
# Relative bound on the error of fl(fl(text) * 10**d) against text * 10**d (see float_units), rounded up.
PARSE_ERR = 2.0**-52 * (1 + 2.0**-20)
BLOCK = 1 << 17  # rows per block of float_units' temporaries (1 MiB each)


def float_units(values: np.ndarray, decimals: int, *, any_text: bool = False) -> np.ndarray | None:
    """The integer units of 10**-decimals (int64) of the decimal texts `values` were parsed from, as
    an exact decimal parse gives them (rounded half to even past `decimals`); None when the floats
    cannot tell. A float64 parse of a text t is correctly rounded and 10**decimals is an exact float,
    so s = fl(fl(t) * 10**decimals) differs from x = t * 10**decimals by at most
    2**-53 * (|x| + |s| (1 + 2**-52)) < PARSE_ERR * |s|, whatever t is.

    With `any_text=False` the texts have at most `decimals` decimals, so x is an integer, and round(s)
    is x wherever PARSE_ERR * |s| < 0.5: |s| below 2**51 less a hair (2**51 / 10**8 = 22.5M coins of
    volume, 2**51 / 10**10 = 225,179 in price). With `any_text=True` a text may have more decimals
    (float noise, `5307116.058380114`): x's nearest integer is round(s) unless a half-integer lies
    within the error of s, so each row must have |s - round(s)| + PARSE_ERR * |s| < 0.5. A text with at
    most `decimals` decimals always passes below 2**50 - 2**30 units (B = 11.25M coins: |s - round(s)|
    is then at most the error itself), and above only where its float leaves no doubt. The test's
    left side is exact or rounded monotonically, so a row that passes in float passes exactly too; the
    check takes each term's largest value over the chunk, which is stricter still. Blocks of BLOCK
    rows keep the temporaries in cache: whole-array ones cost more in page faults than in arithmetic."""
    n = len(values)
    scale = 10.0**decimals
    err = parse_error(float(values.min()), float(values.max()), decimals) if n else 0.0
    if not err < 0.5:  # NaN and inf fail too
        return None
    units = np.empty(n, dtype=np.int64)
    off = 0.0
    for at in range(0, n, BLOCK):
        scaled = values[at:at + BLOCK] * scale
        whole = np.rint(scaled)
        if any_text:
            # scaled - whole is exact: the two are within a factor 2 of each other, or whole is 0.
            np.subtract(scaled, whole, out=scaled)
            off = max(off, -float(scaled.min()), float(scaled.max()))
        units[at:at + BLOCK] = whole
    return units if err + off < 0.5 else None


def parse_error(low: float, high: float, decimals: int) -> float:
    """float_units' bound on the error of every s for values in [low, high]: PARSE_ERR * max |s|
    (fl(max |v| * 10**decimals) is max |s|, rounding being monotonic); NaN if either is NaN."""
    return max(-low, high) * 10.0**decimals * PARSE_ERR


def of_units(x: np.ndarray) -> Limbs:
    """Non-negative int64 values as limbs."""
    return np.zeros(len(x), dtype=np.int64), x >> LIMB, x & MASK


def product(a: np.ndarray, b: np.ndarray) -> Limbs:
    """a * b exactly, per row, for non-negative int64 a and b (not normalised: mid may reach 2**33)."""
    a0, a1 = (a & MASK).view(np.uint64), (a >> LIMB).view(np.uint64)
    b0, b1 = (b & MASK).view(np.uint64), (b >> LIMB).view(np.uint64)
    low = a0 * b0                 # < 2**64
    cross = a0 * b1 + a1 * b0     # each < 2**63, so the sum < 2**64
    top = (a1 * b1).view(np.int64)  # < 2**62
    mid = ((low >> LIMB) + (cross & MASK)).view(np.int64)
    return top + (cross >> LIMB).view(np.int64), mid, (low & MASK).view(np.int64)


def sum_units(x: np.ndarray, starts: np.ndarray) -> Limbs:
    """Sums of non-negative int64 values over runs; plain int64 sums unless they could overflow."""
    if len(x) and int(x.max()) >= ((1 << 63) - 1) // len(x):
        return reduce(of_units(x), starts)
    total = np.add.reduceat(x, starts)
    return np.zeros(len(total), dtype=np.int64), total >> LIMB, total & MASK


def sum_products(a: np.ndarray, b: np.ndarray, starts: np.ndarray) -> Limbs:
    """Sums of a * b over runs, exactly, for non-negative int64 a and b."""
    wrapped = np.add.reduceat(a.view(np.uint64) * b.view(np.uint64), starts)  # the sum mod 2**64
    # Each operand cast to float64, then multiplied: the casts go in buffered blocks, without copies.
    approx = np.add.reduceat(np.multiply(a, b, dtype=np.float64), starts)
    counts = np.diff(np.append(starts, len(a)))
    # Each term is off by at most 3 units of roundoff, the running sum by one more per term added.
    bound = (counts + 4) * ROUNDOFF * approx + 2.0**13
    high = np.rint((approx - wrapped.astype(np.float64)) / 2.0**64).astype(np.int64)
    out = high, (wrapped >> np.uint64(LIMB)).view(np.int64), (wrapped & np.uint64(MASK)).view(np.int64)
    for i in np.flatnonzero(bound >= 2.0**61):  # rare: sums near 2**115 / trades
        run = slice(int(starts[i]), int(starts[i] + counts[i]))
        whole = reduce(product(a[run], b[run]), np.zeros(1, dtype=np.int64))
        for x, v in zip(out, whole, strict=True):
            x[i] = v[0]
    return out


def normalise(hi: np.ndarray, mid: np.ndarray, lo: np.ndarray) -> Limbs:
    mid = mid + (lo >> LIMB)
    return hi + (mid >> LIMB), mid & MASK, lo & MASK


def reduce(limbs: Limbs, starts: np.ndarray) -> Limbs:
    """Sums over the runs that begin at `starts` (np.add.reduceat's runs)."""
    return normalise(*(np.add.reduceat(x, starts) for x in limbs))


def add_to_first(limbs: Limbs, carry: tuple[int, int, int]) -> None:
    """Adds one carried sum (hi, mid, lo) into row 0, in place."""
    for x, c in zip(limbs, carry, strict=True):
        x[0] += c
    hi, mid, lo = normalise(*(x[:1] for x in limbs))
    for x, v in zip(limbs, (hi, mid, lo), strict=True):
        x[0] = v[0]


def to_ints(limbs: Limbs) -> np.ndarray:
    """Each sum as a Python int (an object array)."""
    hi, mid, lo = (x.astype(object) for x in limbs)
    return (hi << 2 * LIMB) + (mid << LIMB) + lo


def to_float(limbs: Limbs, decimals: int) -> np.ndarray:
    """sum / 10**decimals, correctly rounded to float64. Below 2**53 both operands are exact floats and
    IEEE division rounds correctly; larger sums go through Python's int division, which does too."""
    hi, mid, lo = limbs
    small = (hi == 0) & (mid < EXACT_FLOAT >> LIMB)
    out = ((mid << LIMB) + lo).astype(np.float64) / 10.0**decimals
    if not small.all():
        big = ~small
        out[big] = (to_ints(tuple(x[big] for x in limbs)) / 10**decimals).astype(np.float64)
    return out


def ratio(num: Limbs, den: Limbs, decimals: int) -> np.ndarray:
    """num / (den * 10**decimals), correctly rounded to float64; NaN where den is 0.

    The quotient is first taken in long double (64-bit significand where the platform has one): its
    rounding to float64 is the correct one unless the quotient lies within the long double error of a
    halfway point between two floats. Those few rows, and every row where long double is no wider than
    float64, take Python's int division, which rounds correctly."""
    n, d = (_long(x) for x in (num, den))
    zero = d == 0
    with np.errstate(invalid="ignore", divide="ignore"):  # den 0: NaN, set again below
        q = n / (d * np.longdouble(10) ** decimals)
        out = q.astype(np.float64)
        err = q * (8 * np.finfo(np.longdouble).eps)
        # q's offset from its float, and half the gap to the next float on that side: both exact
        # (q and out are within a factor 2; neighbouring floats differ by a power of 2).
        off = q - out.astype(np.longdouble)
        half = np.abs(np.nextafter(out, np.where(off > 0, np.inf, -np.inf)) - out) * 0.5
        unsure = ~zero & ~(np.abs(off) + err < half)
    if unsure.any():
        out[unsure] = (to_ints(tuple(x[unsure] for x in num))
                       / (to_ints(tuple(x[unsure] for x in den)) * 10**decimals)).astype(np.float64)
    out[zero] = np.nan
    return out


def _long(limbs: Limbs) -> np.ndarray:
    """The sums in long double: normalised limbs' low 64 bits convert exactly, so one rounding."""
    hi, mid, lo = limbs
    if (mid >> LIMB).any():  # not normalised
        hi, mid, lo = normalise(hi, mid, lo)
    low = ((mid << LIMB) | lo).view(np.uint64).astype(np.longdouble)
    return hi.astype(np.longdouble) * np.longdouble(2.0**64) + low
