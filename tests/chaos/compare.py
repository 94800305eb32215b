"""A trial's snapshot held against the fault-free reference run of the same jobs. Pure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.chaos.snapshot import Snapshot


@dataclass
class Findings:
    completed: int
    jobs: int
    lost: int = 0          # reference candles the trial does not hold (absent, or with other values)
    duplicated: int = 0    # rows beyond the first with one ts in one timeframe
    extra: int = 0         # candles the trial holds and the reference does not
    ledger: int = 0        # ledger rows in one run and not the other
    extra_calls: int = 0   # exchange calls beyond the reference's
    results: list[str] = field(default_factory=list)  # key figures that differ, "job.figure: ref → trial"
    examples: list[str] = field(default_factory=list)  # the first differing candles and ledger rows

    @property
    def ok(self) -> bool:
        return (self.completed == self.jobs and not (self.lost or self.duplicated or self.extra or self.ledger)
                and not self.results)


def compare(reference: Snapshot, trial: Snapshot) -> Findings:
    statuses = [f["status"] for f in trial.figures.values()]
    found = Findings(completed=statuses.count("completed"), jobs=len(statuses))
    for key in sorted(set(reference.candles) | set(trial.candles)):
        ref, got = reference.candles.get(key, []), trial.candles.get(key, [])
        found.duplicated += len(got) - len({row[0] for row in got})
        lost = sorted(set(ref) - set(got), key=_by_time)
        extra = sorted(set(got) - set(ref), key=_by_time)
        found.lost += len(lost)
        found.extra += len(extra)
        found.examples += [f"{key} lost {row}" for row in lost[:3]] + [f"{key} extra {row}" for row in extra[:3]]
    ref_ledger, got_ledger = Counter(reference.ledger), Counter(trial.ledger)
    ledger_diff = (ref_ledger - got_ledger) + (got_ledger - ref_ledger)
    found.ledger = sum(ledger_diff.values())
    found.examples += [f"ledger {'only in reference' if row in ref_ledger else 'only in trial'} {row}"
                       for row in sorted(ledger_diff, key=str)[:4]]
    for job, figures in reference.figures.items():
        got_figures = trial.figures.get(job, {})
        for name, value in figures.items():
            if got_figures.get(name) != value:
                found.results.append(f"{job}.{name}: {value!r} → {got_figures.get(name)!r}")
    found.extra_calls = sum(trial.calls.values()) - sum(reference.calls.values())
    return found


def _by_time(row: tuple) -> tuple:
    return row[0], str(row)
