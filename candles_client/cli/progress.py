"""A job followed on its event stream: a progress bar with the ETA, the job's messages above it, and,
when the output is not a terminal (a log, a pipe), a plain line at every tenth of the way."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from candles_client.cli.eta import Eta, clock
from candles_client.client import Client
from candles_client.models import Event

STEP = 0.1  # the plain lines' spacing, as a fraction of the job


def _columns() -> list:
    return [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            TextColumn("ETA {task.fields[eta]}"), TextColumn("{task.fields[note]}")]


def follow_job(client: Client, job_id: str, console: Console) -> Event | None:
    """Follows the job to its end; the terminal event (None if the stream ended without one)."""
    eta, shown, last = Eta(), -STEP, None
    with Progress(*_columns(), console=console) as bar:
        task = bar.add_task(f"job {job_id[:8]}", total=1.0, eta=clock(None), note="")
        for event in client.follow(job_id):
            last = event
            data = event.data
            if event.type == "job.progress":
                fraction = float(data.get("progress") or 0)
                eta.update(time.monotonic(), fraction)
                bar.update(task, completed=fraction, eta=clock(eta.remaining()), note=str(data.get("last_timestamp") or ""))
                if not console.is_terminal and fraction - shown >= STEP:
                    shown = fraction
                    bar.console.print(f"progress {fraction:.0%} ETA {clock(eta.remaining())}", markup=False)
            elif event.type == "job.message":
                bar.console.print(f"{data.get('level', 'info')}: {data.get('text', '')}", markup=False)
            elif event.type == "job.completed":
                bar.update(task, completed=1.0, eta=clock(0), note="completed")
                if not console.is_terminal:  # the plain lines end at the end too: the last progress
                    bar.console.print(f"progress 100% ETA {clock(0)}", markup=False)  # event may say 95%
            elif event.terminal:
                bar.update(task, note=event.type.removeprefix("job."))
    return last
