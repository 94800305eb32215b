"""What one trial does to the system, drawn from its seed alone (pure): the same seed is the same
trial, so a failing one is run again with `python -m tests.chaos --trials 1 --seed SEED`."""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.chaos.stack import PARTS

KILL, FAULTS, FAULTS_AND_KILL, SIGTERM = "kill", "faults", "faults+kill", "sigterm"


@dataclass(frozen=True)
class TrialPlan:
    seed: int
    kind: str
    victims: tuple[str, ...] = ()   # killed with -9 (kill kinds); empty for faults alone and sigterm
    moment: float = 0.5             # when, as a share of the reference run's events stored
    downtime_s: float = 1.0         # how long what was stopped stays down
    faults: str | None = None       # the simulator's fault spec for the whole trial

    @property
    def interrupts(self) -> bool:
        return self.kind != FAULTS


def plan_trial(seed: int) -> TrialPlan:
    rng = random.Random(seed)
    draw = rng.random()
    # About a fifth with exchange faults (half of them with a kill too), a fifth stop the whole stack.
    kind = FAULTS if draw < 0.1 else FAULTS_AND_KILL if draw < 0.2 else SIGTERM if draw < 0.4 else KILL
    victims = tuple(rng.sample(PARTS, rng.choice((1, 2)))) if kind in (KILL, FAULTS_AND_KILL) else ()
    faults = f"p={rng.choice((0.1, 0.2, 0.3))},seed={seed}" if kind in (FAULTS, FAULTS_AND_KILL) else None
    return TrialPlan(seed=seed, kind=kind, victims=victims, moment=round(rng.uniform(0.1, 0.8), 3),
                     downtime_s=round(rng.uniform(0.3, 2.5), 2), faults=faults)
