"""Bit-for-bit reproducible candles: the same trades, split into any pages or dump chunks, spread over
any overlapping jobs (each restarted from its checkpoint anywhere), and their batches merged into the
lake in any order, give candles whose every float has the same bits as one single pass's."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from services.rebuilder.aggregate import TradeAggregator
from services.writer.merge import merge
from shared.lake.schema import SCHEMA
from tests.unit.services.rebuilder.reload import reloaded

TFS = ["1m", "5m", "1h", "1d"]
NS_PER_MS = 1_000_000
START_MS = 1_600_000_020_000  # a minute boundary
# Volumes whose float sums go wrong in the last bits; 129.50828501 is the one first seen to.
AWKWARD = ["0.1", "0.2", "0.3", "129.50828501", "0.00000001", "5307116.05838011", "1.10448420", "3.3"]


def trades(seed: int, n: int, as_text: bool) -> pl.DataFrame:
    """Time-ordered trades over about three days, bursts of one instant included; prices and volumes as
    Kraken's decimal text (parsed as decimals, as the rebuilder does) or as the floats nearest it."""
    rng = np.random.default_rng(seed)
    gaps = np.where(rng.random(n) < 0.03, rng.integers(0, 4 * 3600_000, n), rng.integers(0, 3000, n))
    gaps[rng.random(n) < 0.2] = 0  # several trades in one millisecond
    ts = (START_MS + np.cumsum(gaps)) * NS_PER_MS + rng.integers(0, NS_PER_MS, n) * (gaps > 0)
    ts = np.maximum.accumulate(ts)
    price = [f"{p / 100:.2f}" for p in 190_000 + np.cumsum(rng.integers(-50, 51, n))]
    units = rng.geometric(1e-8, n)
    volume = [AWKWARD[u % len(AWKWARD)] if u % 3 == 0 else f"{u // 10**8}.{u % 10**8:08d}" for u in units]
    frame = pl.DataFrame({"ts": ts, "price": price, "volume": volume})
    if as_text:
        return frame.with_columns(pl.col("price").str.to_decimal(scale=10), pl.col("volume").str.to_decimal(scale=8))
    return frame.with_columns(pl.col("price", "volume").cast(pl.Float64))


def run_job(tape: pl.DataFrame, start_ms: int, end_ms: int, pages: list[int], restart_at: int | None,
            ) -> dict[str, list[pa.Table]]:
    """One rebuild job over [start_ms, end_ms): its trades in pages, optionally reloaded from its
    checkpoint (JSON and Arrow IPC, as stored) before the page at restart_at."""
    ns = tape.get_column("ts")
    mine = tape.filter((ns >= start_ms * NS_PER_MS) & (ns < end_ms * NS_PER_MS))
    agg = TradeAggregator(TFS, start_ms=start_ms)
    out: dict[str, list[pa.Table]] = {tf: [] for tf in TFS}
    bounds = [0, *sorted(p % (mine.height + 1) for p in pages), mine.height]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        if i == restart_at:
            agg = reloaded(agg)
        for tf, table in agg.feed(mine.slice(a, b - a)).items():
            out[tf].append(table)
    for tf, table in agg.finish(end_ms).items():
        out[tf].append(table)
    return out


def bits(table: pa.Table) -> dict[str, np.ndarray]:
    """Each column's raw bytes: floats compared bit for bit (a NaN vwap as its nulls)."""
    t = table.sort_by("ts")
    cols = {"ts": t.column("ts").cast(pa.int64()).to_numpy(), "trades": t.column("trades").to_numpy()}
    for name in ("open", "high", "low", "close", "volume", "vwap"):
        col = t.column(name).combine_chunks()
        cols[name] = col.fill_null(0.0).to_numpy().view(np.uint64)
        cols[f"{name}_nulls"] = col.is_null().to_numpy(zero_copy_only=False)
    return cols


def assert_bit_identical(got: pa.Table, want: pa.Table) -> None:
    a, b = bits(got), bits(want)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype and np.array_equal(a[name], b[name]), name


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 2500),
    as_text=st.booleans(),
    pages=st.lists(st.integers(0, 10_000), max_size=10),
    job_cuts=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1, max_size=4),
    restart=st.integers(0, 12),
    batch_seed=st.integers(0, 2**16),
)
def test_any_split_of_the_same_trades_gives_bit_identical_candles(seed, n, as_text, pages, job_cuts, restart,
                                                                  batch_seed):
    tape = trades(seed, n, as_text)
    first_ms, last_ms = tape.get_column("ts")[0] // NS_PER_MS, tape.get_column("ts")[-1] // NS_PER_MS
    span = last_ms + 1 - first_ms
    end_ms = last_ms + 1 + 86_400_000
    single = run_job(tape, first_ms, end_ms, [], None)
    # Overlapping jobs: each a random range within the trades' span, its own pages and restart.
    jobs = [run_job(tape, first_ms + min(a, b) % span, first_ms + max(a, b) % span + 1 + 60_000,
                    [p + i for p in pages], restart) for i, (a, b) in enumerate(job_cuts)]
    jobs.append(run_job(tape, first_ms, end_ms, pages, restart))  # the whole range, paged and restarted
    rng = random.Random(batch_seed)
    for tf in TFS:
        whole = pa.concat_tables(single[tf]).select(SCHEMA.names).cast(SCHEMA)
        # Every batch of every job, in a random order, merged as the writer merges them.
        batches = [t.select(SCHEMA.names).cast(SCHEMA) for job in jobs for t in job[tf] if t.num_rows]
        rng.shuffle(batches)
        lake = None
        for batch in batches:
            lake = merge(lake, batch)
        if lake is None:  # no bucket closed inside the trades' span
            assert whole.num_rows == 0
        else:
            assert_bit_identical(lake, whole)


def test_float_sums_depend_on_the_split_and_ours_do_not():
    # Why exact sums: one bucket of 0.1, 0.2 and 0.3 summed as floats gives 0.6000000000000001 when
    # the page breaks after 0.1 + 0.2 ... and 0.6 when it breaks after 0.1 (0.1 + (0.2 + 0.3)).
    assert (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3)
    tape = pl.DataFrame({"ts": [1, 2, 3], "price": ["1", "1", "1"], "volume": ["0.1", "0.2", "0.3"]}).with_columns(
        pl.col("ts") * NS_PER_MS + START_MS * NS_PER_MS, pl.col("price").str.to_decimal(scale=10),
        pl.col("volume").str.to_decimal(scale=8))
    volumes = set()
    for pages in ([], [1], [2], [1, 2]):
        volume = pa.concat_tables(run_job(tape, START_MS, START_MS + 60_000, pages, None)["1m"]).column("volume")
        volumes.add(volume[0].as_py())
    assert volumes == {0.6}
