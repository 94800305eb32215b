"""The migration Job's entry point refuses to start without a database, naming the setting."""

from __future__ import annotations

import pytest

from shared.platform import migrate
from shared.platform.settings import get_settings


def test_without_database_url_it_stops_naming_the_setting(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit, match="DATABASE_URL is not set"):
            migrate.main()
    finally:
        get_settings.cache_clear()
