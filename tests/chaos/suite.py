"""N seeded trials against one fault-free reference run: a line per trial, then the figure line.
A failing trial's folder (its services', nats-server's and PostgreSQL's logs, its lake) is kept."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos.compare import Findings, compare
from tests.chaos.plan import SIGTERM, TrialPlan, plan_trial
from tests.chaos.postgres import init_template
from tests.chaos.trial import Run, run_workload
from tests.chaos.workload import workload_simulator

# The short run that `make test` holds the system to (tests/integration/test_chaos_short_run.py).
SHORT_RUN_SEED, SHORT_RUN_TRIALS = 1, 6

JOB_TIMEOUT_S = 180.0


@dataclass
class TrialReport:
    plan: TrialPlan
    findings: Findings | None = None  # None: the trial itself broke (the error says how)
    run: Run | None = None
    error: str | None = None
    kept: Path | None = None

    @property
    def ok(self) -> bool:
        return self.findings is not None and self.findings.ok and self.run.quiet

    def lines(self) -> list[str]:
        p = self.plan
        victims = "all" if p.kind == SIGTERM else ",".join(p.victims) or "-"
        head = (f"seed={p.seed} kind={p.kind} victims={victims}"
                + (f" at={p.moment:.0%} down={p.downtime_s}s" if p.interrupts else "")
                + (f" faults={p.faults}" if p.faults else ""))
        if self.findings is None:
            out = [f"{head}: ERROR {self.error.splitlines()[-1] if self.error else ''}"]
        else:
            f = self.findings
            out = [f"{head}: {'ok' if self.ok else 'FAILED'} ({f.completed}/{f.jobs} jobs completed, {f.lost} lost,"
                   f" {f.duplicated} duplicated, {f.extra} extra, {f.ledger} ledger differences,"
                   f" {f.extra_calls:+d} calls, {self.run.seconds:.0f} s, {self.run.started_s:.0f} of them to start)"
                   + "".join(f"; {note}" for note in self.run.notes)
                   + ("" if self.run.quiet else "; messages still pending at the end")]
            out += [f"    {line}" for line in f.results + f.examples]
        if self.kept is not None:
            out.append(f"    logs kept in {self.kept}")
        return out


@dataclass
class Summary:
    reports: list[TrialReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)

    def figure_line(self) -> str:
        found = [r.findings for r in self.reports if r.findings is not None]
        completed = sum(1 for r in self.reports if r.findings is not None and r.findings.completed == r.findings.jobs)
        return (f"{len(self.reports)} trials: {completed} completed, {sum(f.lost for f in found)} candles lost,"
                f" {sum(f.duplicated for f in found)} duplicated, {sum(f.ledger for f in found)} ledger differences,"
                f" {sum(f.extra_calls for f in found)} extra exchange calls")


async def run_suite(trials: int, seed: int, out: Callable[[str], None] = print,
                    timeout: float = JOB_TIMEOUT_S, keep: bool = False) -> Summary:
    """keep: every trial's folder stays, not only a failing one's."""
    base = Path(tempfile.mkdtemp(prefix="chaos-"))  # short: PostgreSQL's socket path has a length limit
    template = init_template(base / "pg-template")
    summary = Summary()
    try:
        async with workload_simulator(base / "dumps") as sim:
            reference = await run_workload(sim, base / "reference", template, None, 0, timeout)
            statuses = [f["status"] for f in reference.snapshot.figures.values()]
            if statuses != ["completed", "completed"] or not reference.quiet:
                raise RuntimeError(f"the fault-free reference run did not complete ({statuses}); see {base}")
            out(f"reference: {reference.snapshot.events} events, {sum(reference.snapshot.calls.values())} exchange"
                f" calls, {sum(map(len, reference.snapshot.candles.values()))} candles, {reference.seconds:.0f} s")
            for n in range(trials):
                report = await _trial(sim, base, template, plan_trial(seed + n), reference, timeout, keep)
                summary.reports.append(report)
                for line in report.lines():
                    out(line)
    except asyncio.CancelledError:
        out(f"stopped after {len(summary.reports)} trials; their folders are in {base}")
        raise
    out(summary.figure_line())
    shutil.rmtree(base / "pg-template", ignore_errors=True)
    if summary.ok and not keep:
        shutil.rmtree(base, ignore_errors=True)
    else:
        out(f"trial folders and the reference run's kept in {base}")
    return summary


async def _trial(sim, base: Path, template: Path, plan: TrialPlan, reference: Run, timeout: float,
                 keep: bool) -> TrialReport:
    folder = base / f"trial-{plan.seed}"
    report = TrialReport(plan)
    try:
        report.run = await run_workload(sim, folder, template, plan, reference.snapshot.events, timeout)
        report.findings = compare(reference.snapshot, report.run.snapshot)
    except Exception:  # a broken trial is a failed trial, and the next one still runs
        report.error = traceback.format_exc()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "error.txt").write_text(report.error)
    if report.ok and not keep:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        report.kept = folder
    return report
