"""The short chaos run of `make test` (tests/integration/test_chaos_short_run.py) mixes every kind of
trial: kill -9 of one and of two parts, PostgreSQL or nats-server among them, exchange faults, SIGTERM."""

from __future__ import annotations

from tests.chaos.plan import FAULTS, FAULTS_AND_KILL, KILL, SIGTERM, plan_trial
from tests.chaos.stack import INFRA
from tests.chaos.suite import SHORT_RUN_SEED as SEED
from tests.chaos.suite import SHORT_RUN_TRIALS as TRIALS


def test_the_short_run_mixes_every_kind_of_trial():
    plans = [plan_trial(SEED + n) for n in range(TRIALS)]
    kinds = {p.kind for p in plans}
    assert {KILL, SIGTERM} <= kinds and kinds & {FAULTS, FAULTS_AND_KILL}, plans
    assert {len(p.victims) for p in plans if p.kind == KILL} == {1, 2}, plans
    assert any(set(p.victims) & set(INFRA) for p in plans), plans
