"""The short chaos run of `make test`: six seeded trials (kill -9 of one or two parts, exchange faults
with a kill, SIGTERM of the whole stack) lose, double and change nothing, and every job completes.
`make chaos` runs as many as asked (README, "Chaos trials")."""

from __future__ import annotations

import pytest

from tests.chaos.suite import SHORT_RUN_SEED as SEED
from tests.chaos.suite import SHORT_RUN_TRIALS as TRIALS
from tests.chaos.suite import run_suite


@pytest.mark.integration
@pytest.mark.timeout(1200)
async def test_a_short_chaos_run_loses_doubles_and_changes_nothing():
    lines: list[str] = []
    summary = await run_suite(TRIALS, SEED, out=lines.append)
    assert summary.ok, "\n".join(lines)
    assert summary.figure_line().startswith(
        f"{TRIALS} trials: {TRIALS} completed, 0 candles lost, 0 duplicated, 0 ledger differences,"), lines
