"""Only the event log's own module runs SQL on data_job_events; everyone else asks it by name."""

from __future__ import annotations

import re
from pathlib import Path

from tests.paths import REPO

LOG_MODULE = REPO / "shared" / "jobs" / "events" / "log.py"
SQL_ON_EVENTS = re.compile(r"\b(FROM|INTO|UPDATE|JOIN|TABLE)\s+data_job_events\b", re.IGNORECASE)


def sql_on_events(path) -> list[str]:
    return [f"{path.relative_to(REPO)}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
            if SQL_ON_EVENTS.search(line)]


def test_no_module_but_the_event_log_runs_sql_on_data_job_events():
    sources = [p for folder in ("services", "shared", "bench", "tests") for p in (REPO / folder).rglob("*.py")]
    assert len(sources) > 100
    allowed = {LOG_MODULE, Path(__file__).resolve()}  # and this test's own examples
    assert [hit for p in sources if p not in allowed for hit in sql_on_events(p)] == []
    assert len(sql_on_events(LOG_MODULE)) >= 5  # the pattern does see the log's own queries


def test_the_pattern_sees_sql_but_not_the_subject():
    assert SQL_ON_EVENTS.search("SELECT data FROM data_job_events WHERE job_id = $1")
    assert SQL_ON_EVENTS.search('"INSERT INTO data_job_events (job_id, seq)"')
    assert not SQL_ON_EVENTS.search('subject="data_job_events.>"')
