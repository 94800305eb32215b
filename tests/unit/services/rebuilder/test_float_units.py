"""The dump's fast path (prices and volumes parsed as float64, turned into integer units) against the
exact decimal parse: identical units wherever the fast path vouches for them, and a fallback to the
decimal parse wherever it does not, so imported candles never depend on which path a chunk took."""

from __future__ import annotations

import io
import zipfile
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from services.rebuilder import exact as exact_mod
from services.rebuilder.aggregate import trade_columns
from services.rebuilder.exact import float_units
from services.rebuilder.trade_history_csv import EXACT_TYPES, FAST_SCHEMA, iter_trade_batches

# Below B8 1e-8 units (11.25M coins) every text with at most 8 decimals takes the fast path; below
# B51 every one has its units from its float when it is known to have at most 8 (or 10) decimals.
B8, B51 = 2**50 - 2**30, 2**51 - 2**32


def text(units: int, decimals: int) -> str:
    whole, frac = divmod(units, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}" if decimals else str(whole)


def half_even(t: str, decimals: int) -> int:
    return int((Decimal(t) * 10**decimals).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


UNITS = st.one_of(st.integers(0, 2**40), st.integers(0, 2**51),
                  st.integers(B8 - 2**24, B8 + 2**24), st.integers(2**51 - 2**24, 2**51 + 2**24))
# At most 8 decimals, trailing zeros dropped or not, as Kraken prints volumes.
KRAKEN = st.builds(lambda u, k: text(u // 10 ** (8 - k), k), UNITS, st.integers(0, 8))
# Float noise past 8 decimals: anything, exact ties at the 8th decimal, and hairs either side of one.
NOISE = st.one_of(
    st.builds(lambda u, k, r: text(u * 10 ** (k - 8) + r % 10 ** (k - 8), k), UNITS, st.integers(9, 17),
              st.integers(0, 10**17)),
    st.builds(lambda u: text(u * 10 + 5, 9), UNITS),
    st.builds(lambda u, d: text(u * 10**9 + 5 * 10**8 + d, 17), UNITS, st.integers(-3, 3)),
)


def parsed(texts: list[str], dtype: pl.DataType) -> pl.Series:
    data = "".join(f"0,1.0,{t}\n" for t in texts).encode()
    return pl.read_csv(io.BytesIO(data), has_header=False, schema=FAST_SCHEMA | {"volume": dtype})["volume"]


@settings(max_examples=150)
@given(st.lists(st.one_of(KRAKEN, NOISE), min_size=1, max_size=40))
def test_fast_units_equal_the_decimal_parse_wherever_they_are_given(texts):
    floats = parsed(texts, pl.Float64).to_numpy()
    # The fast path's premise: polars parses float64 correctly rounded, as Python does.
    assert floats.tolist() == [float(t) for t in texts]
    exact = parsed(texts, EXACT_TYPES["volume"]).to_physical().cast(pl.Int64).to_list()
    assert exact == [half_even(t, 8) for t in texts]  # the decimal parse rounds half to even past 8
    for t, f, want in zip(texts, floats, exact, strict=True):
        got = float_units(np.array([f]), 8, any_text=True)
        if got is not None:
            assert got.tolist() == [want], t
        short = len(t.partition(".")[2]) <= 8
        if short and want < B8:
            assert got is not None, t  # the fast path is taken for every Kraken-style text below B
        if short and want < B51:
            assert float_units(np.array([f]), 8).tolist() == [want], t
    whole = float_units(floats, 8, any_text=True)
    assert whole is None or whole.tolist() == exact
    block, exact_mod.BLOCK = exact_mod.BLOCK, 7  # a column goes in blocks: their seams must not matter
    try:
        assert (float_units(floats, 8, any_text=True) is None) == (whole is None)
        assert whole is None or float_units(floats, 8, any_text=True).tolist() == exact
    finally:
        exact_mod.BLOCK = block


@settings(max_examples=60)
@given(st.lists(st.builds(lambda u, k: text(u // 10 ** (10 - k), k),
                          st.one_of(st.integers(0, 2**51), st.integers(2**51 - 2**24, 2**51 + 2**24)),
                          st.integers(0, 10)), min_size=1, max_size=40))
def test_prices_of_at_most_10_decimals(texts):
    floats = np.array([float(t) for t in texts])
    got = float_units(floats, 10)
    want = [half_even(t, 10) for t in texts]
    if max(want) < B51:  # below 225,179
        assert got is not None
    if got is not None:
        assert got.tolist() == want


# Kraken-style rows with, in the middle, a volume whose float rounds the other way than its text
# (0.000000015 is 2 units half to even; its float times 1e8 rounds to 1) and a price past 225,179.
ROWS = [f"{1_600_000_000 + i // 3},{20_000 + i % 7}.5,0.{i + 1:08d}" for i in range(40)]
NOISY = ROWS[:17] + ["1600000005,20001.5,0.000000015"] + ROWS[17:30] + ["1600000011,300000.0000000001,1.5"] + ROWS[30:]


def _exact_units(data: bytes) -> tuple[np.ndarray, ...]:
    df = pl.read_csv(io.BytesIO(data), has_header=False, schema=FAST_SCHEMA | EXACT_TYPES)
    return trade_columns(df.with_columns(pl.col("ts") * 10**9))


def test_a_doubtful_chunk_is_read_again_as_decimals(tmp_path):
    data = ("\n".join(NOISY) + "\n").encode()
    assert int(np.rint(float("0.000000015") * 1e8)) == 1  # the float alone would get it wrong
    path, archive = tmp_path / "XBTUSD.csv", tmp_path / "dump.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("XBTUSD.csv", data)
    want = _exact_units(data)
    for batches in (iter_trade_batches(path, batch_rows=8), iter_trade_batches(archive, member="XBTUSD.csv",
                                                                                chunk_bytes=200)):
        frames = list(batches)
        parts = [trade_columns(f) for f in frames]
        # Every row once, in file order, with its exact units; floats as parsed.
        for i, w in enumerate(want):
            assert np.array_equal(np.concatenate([p[i] for p in parts]), w)
        assert any(f.schema["volume"].is_decimal() for f in frames)  # the fallback was taken
        assert any(f.schema["price"].is_decimal() for f in frames)
        assert not frames[0].schema["volume"].is_decimal()  # and the fast path before it
