"""The test tiers: everything under tests/integration/ needs real servers (PostgreSQL, NATS, S3, the
running system) and is marked `integration`; a test that drives Chromium is also marked `browser`. The
servers' fixtures live in tests/integration/conftest.py, out of the unit tier's reach. A test marked
`image` runs only with `--image` (make test-image)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Timings on a shared 2-core machine vary; hypothesis' per-example deadline would make them flaky.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

INTEGRATION = Path(__file__).resolve().parent / "integration"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--image", action="store_true",
                     help="run the tests marked `image` too: the image's root filesystem built and started (make test-image)")


# First, so that `-m` (pytest's own hook of this name) selects on the markers given here.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(INTEGRATION):
            item.add_marker(pytest.mark.integration)
        if "chromium" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
    # Building the image takes minutes: its tests run by their own target, not in `make test`.
    if not config.getoption("image"):
        left_out = [item for item in items if item.get_closest_marker("image")]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if not item.get_closest_marker("image")]
