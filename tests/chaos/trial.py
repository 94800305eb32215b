"""One run of the workload on a fresh stack: the reference (no fault) or a trial (its plan's fault at
its moment, then what was stopped started again), read back once both jobs have ended."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos import snapshot
from tests.chaos.plan import SIGTERM, TrialPlan
from tests.chaos.snapshot import Snapshot
from tests.chaos.stack import INFRA, Stack
from tests.chaos.workload import submit_both, wait_ended

# Services come back a little after the servers they need, as a supervisor's back-off would have it.
SERVICE_LAG_S = 0.5


@dataclass
class Run:
    snapshot: Snapshot
    seconds: float
    started_s: float                                 # until the stack answered
    quiet: bool                                      # no consumer held a message at the end
    notes: list[str] = field(default_factory=list)   # what happened besides the plan


async def run_workload(sim, folder: Path, pg_template: Path, plan: TrialPlan | None, reference_events: int,
                       timeout: float) -> Run:
    began = time.monotonic()
    stack = Stack(folder, pg_template, sim)
    sim.set_faults(plan.faults if plan else None)
    before = sim.stats()
    notes: list[str] = []
    try:
        await stack.start()
        started = time.monotonic() - began
        job_ids = await submit_both(stack.api, sim)
        if plan is not None and plan.interrupts:
            notes += await _interrupt(stack, plan, max(1, round(plan.moment * reference_events)))
        views = await wait_ended(stack.api, job_ids, timeout)
        sim.set_faults(None)
        quiet = await snapshot.quiescent(stack.nats_url)
        after = sim.stats()
        calls = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        snap = await snapshot.take(stack, dict(zip(("mixed", "rebuild"), views.values(), strict=True)), calls)
    finally:
        sim.set_faults(None)
        notes += [f"respawned {name}" for name in stack.respawned]
        await stack.close()
    return Run(snap, time.monotonic() - began, started, quiet, notes)


async def _interrupt(stack: Stack, plan: TrialPlan, at_events: int) -> list[str]:
    notes = [] if await _reached(stack, at_events) else [f"jobs ended before event {at_events}"]
    if plan.kind == SIGTERM:
        killed = await stack.terminate_all()
        notes += [f"{name} needed SIGKILL after SIGTERM" for name in killed]
        await asyncio.sleep(plan.downtime_s)
        await stack.start_all()
        return notes
    for victim in plan.victims:
        await stack.kill(victim)
    await asyncio.sleep(plan.downtime_s)
    for victim in sorted(plan.victims, key=lambda v: v not in INFRA):
        if victim not in INFRA:
            await asyncio.sleep(SERVICE_LAG_S)
        await stack.start_part(victim)
    return notes


async def _reached(stack: Stack, at_events: int, timeout: float = 120.0) -> bool:
    """Waits until `at_events` events are stored; False if the jobs had all ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await snapshot.event_count(stack.postgres.url) >= at_events:
            return True
        if await snapshot.jobs_ended(stack.postgres.url):
            return False
        await asyncio.sleep(0.05)
    return False
