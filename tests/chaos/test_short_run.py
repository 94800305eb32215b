"""The short chaos run of `make test`: six seeded trials (kill -9 of one or two parts, exchange faults
with a kill, SIGTERM of the whole stack) lose, double and change nothing, and every job completes.
`make chaos` runs as many as asked (README, "Chaos trials")."""

from __future__ import annotations

import pytest

from tests.chaos.plan import FAULTS, FAULTS_AND_KILL, KILL, SIGTERM, plan_trial
from tests.chaos.stack import INFRA
from tests.chaos.suite import run_suite

SEED, TRIALS = 1, 6


def test_the_short_run_mixes_every_kind_of_trial():
    plans = [plan_trial(SEED + n) for n in range(TRIALS)]
    kinds = {p.kind for p in plans}
    assert {KILL, SIGTERM} <= kinds and kinds & {FAULTS, FAULTS_AND_KILL}, plans
    assert {len(p.victims) for p in plans if p.kind == KILL} == {1, 2}, plans
    assert any(set(p.victims) & set(INFRA) for p in plans), plans


@pytest.mark.integration
@pytest.mark.timeout(1200)
async def test_a_short_chaos_run_loses_doubles_and_changes_nothing():
    lines: list[str] = []
    summary = await run_suite(TRIALS, SEED, out=lines.append)
    assert summary.ok, "\n".join(lines)
    assert summary.figure_line().startswith(
        f"{TRIALS} trials: {TRIALS} completed, 0 candles lost, 0 duplicated, 0 ledger differences,"), lines
