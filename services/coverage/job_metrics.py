"""The job metrics, from the one place that sees every job end once: the projection moves a job to a
terminal status in a locked transaction, whichever coverage replica does it. How many jobs are
queued and running, and how long the running ones have been quiet, are sampled from data_jobs, so
they hold for the whole system, not for one process."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.jobs.commands import JOB_SUBJECTS
from shared.platform.metrics import JOB_DURATION, JOB_IDLE, JOBS_FINISHED, JOBS_QUEUED, JOBS_RUNNING

SAMPLE_EVERY_S = 15.0
# A parent fetch job waits quietly while its child rebuilds run: its quiet is theirs, not its own.
_SAMPLE = """
SELECT job_type, status, count(*) AS jobs,
       coalesce(max(extract(epoch FROM now() - updated_at)) FILTER (WHERE status = 'running' AND NOT EXISTS (
           SELECT 1 FROM data_jobs c WHERE c.parent_id = j.id AND c.status IN ('queued', 'running'))), 0) AS idle_s
FROM data_jobs j WHERE status IN ('queued', 'running') GROUP BY job_type, status
"""


def duration_s(submitted_at: datetime, started_at: datetime | None, finished_at: datetime) -> float:
    """From the start, or from the submission for a job that never started (cancelled while queued)."""
    return max((finished_at - (started_at or submitted_at)).total_seconds(), 0.0)


def count_ended(job_type: str, status: str, submitted_at: datetime, started_at: datetime | None,
                finished_at: datetime) -> None:
    JOBS_FINISHED.labels(job_type, status).inc()
    JOB_DURATION.labels(job_type, status).observe(duration_s(submitted_at, started_at, finished_at))


async def sample_jobs(pool: asyncpg.Pool) -> None:
    rows = await pool.fetch(_SAMPLE)
    counts = {(r["job_type"], r["status"]): r for r in rows}
    for job_type in {*JOB_SUBJECTS, *(t for t, _ in counts)}:
        running, queued = counts.get((job_type, "running")), counts.get((job_type, "queued"))
        JOBS_RUNNING.labels(job_type).set(running["jobs"] if running else 0)
        JOBS_QUEUED.labels(job_type).set(queued["jobs"] if queued else 0)
        JOB_IDLE.labels(job_type).set(float(running["idle_s"]) if running else 0.0)
