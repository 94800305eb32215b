"""Every event type the code sends or names has its model in the union, and every model in the union is
sent by some code: the source of services/ and shared/ is scanned (see emitted.py)."""

from __future__ import annotations

from shared.jobs.events.catalog import EVENT_TYPES, PAYLOADS
from tests.paths import REPO
from tests.unit.shared.jobs.emitted import Found, scan_python, scan_script

# Inside the event log, emit hands its `payload` argument on to store.
LOG_MODULE = "shared/jobs/events/log.py"


def scan_tree() -> Found:
    found = Found()
    for path in sorted([*(REPO / "services").rglob("*.py"), *(REPO / "shared").rglob("*.py")]):
        where = str(path.relative_to(REPO))
        scan_python(path.read_text(), where, found)
        if where == LOG_MODULE:
            found.unresolved = [u for u in found.unresolved if not u.startswith(where)]
    for path in (REPO / "services").rglob("*.js"):
        found.names |= scan_script(path.read_text())
    return found


def test_every_emitted_model_and_named_type_is_in_the_union():
    found = scan_tree()
    assert found.unresolved == [], "payloads whose model the scan cannot tell"
    assert found.models == {m.__name__ for m in PAYLOADS}
    assert found.names - set(EVENT_TYPES) == set()


def test_the_scan_finds_an_event_without_a_model():
    found = scan_python('''
async def explode(events, conn, job_id, loud):
    await events.emit(job_id, JobExploded(reason="x"), dedup_key="boom")
    outcome = JobImploded if loud else JobFizzled
    await EventLog.store(conn, job_id, outcome(reason="y"))
    await events.emit(job_id, make_payload())
    log.info("job.exploded_in_the_log", job_id=str(job_id))
    return "job.exploded"
''')
    assert found.models == {"JobExploded", "JobImploded", "JobFizzled"}
    assert found.names == {"job.exploded"}
    assert found.unresolved == ["<source>:6: make_payload()"]
    assert scan_script('case "job.exploded": break;') == {"job.exploded"}
    assert not {"JobExploded", "JobImploded", "JobFizzled"} <= {m.__name__ for m in PAYLOADS}
    assert "job.exploded" not in EVENT_TYPES
