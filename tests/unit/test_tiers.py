"""The test tiers hold: every test under tests/integration/ is marked `integration` and every one that
drives Chromium `browser` (so `pytest -m "not integration"` runs no server), the unit tier imports no
server's client, and no module imports a test module or a conftest (shared helpers live in modules of
their own)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO, TESTS

INTEGRATION = TESTS / "integration"
# What only a test with real servers has any use for.
SERVER_CLIENTS = ("asyncpg", "nats", "moto", "boto3", "aioboto3", "playwright", "services.launcher.embedded",
                  "services.launcher.infra",
                  "tests.integration")

# Collects the suite and writes each test's markers and whether it drives Chromium.
COLLECT = """
import json, sys, pytest
class Record:
    def pytest_collection_finish(self, session):
        items = {i.nodeid: {"markers": sorted({m.name for m in i.iter_markers()}),
                            "chromium": "chromium" in i.fixturenames} for i in session.items}
        open(sys.argv[1], "w").write(json.dumps(items))
sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "tests"], plugins=[Record()]))
"""


def imported(path: Path) -> list[str]:
    """The modules a file imports, relative imports resolved against its package."""
    package = path.relative_to(REPO).parent.parts
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names += [module] + [f"{module}.{a.name}" for a in node.names]
    return names


def is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def test_no_module_imports_a_test_module_or_a_conftest():
    offending = {str(p.relative_to(REPO)): [n for n in imported(p) if n.startswith("tests.") and is_test_module(n)]
                 for p in [*TESTS.rglob("*.py"), *(REPO / "bench").rglob("*.py")]}
    assert {p: names for p, names in offending.items() if names} == {}


def test_the_unit_tier_imports_no_server_client():
    unit = [p for p in TESTS.rglob("test_*.py") if not p.is_relative_to(INTEGRATION)]
    assert len(unit) > 20
    offending = {str(p.relative_to(REPO)): [n for n in imported(p) if any(n == c or n.startswith(f"{c}.")
                                                                          for c in SERVER_CLIENTS)] for p in unit}
    assert {p: names for p, names in offending.items() if names} == {}


def test_integration_and_browser_markers_are_on_every_test_that_needs_them(tmp_path):
    out = tmp_path / "collected.json"
    done = subprocess.run([sys.executable, "-c", COLLECT, str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    items = json.loads(out.read_text())
    under = {n: i for n, i in items.items() if n.startswith("tests/integration/")}
    assert len(under) > 50 and len(items) - len(under) > 100
    for nodeid, item in items.items():
        assert ("integration" in item["markers"]) == (nodeid in under), nodeid
        assert ("browser" in item["markers"]) == item["chromium"], nodeid
        assert not item["chromium"] or nodeid in under, nodeid
    assert all(item["chromium"] for n, item in items.items() if n.startswith("tests/integration/test_page.py"))
