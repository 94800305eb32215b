"""Under `make run` a subscriber finds the embedded nats-server, whose port is picked at start, in
data/nats.url (README, "Events")."""

from __future__ import annotations

import nats

from services.launcher.infra import infrastructure
from shared.platform.settings import Settings


async def test_the_embedded_nats_url_is_written_while_it_runs(tmp_path, database_url):
    with infrastructure(Settings(database_url=database_url, nats_url=None), tmp_path) as env:
        url = (tmp_path / "nats.url").read_text().strip()
        assert url == env["NATS_URL"] and url.startswith("nats://127.0.0.1:")
        nc = await nats.connect(url)
        await nc.close()
    assert not (tmp_path / "nats.url").exists()
