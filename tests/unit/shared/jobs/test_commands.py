"""What a job covers, worked out once: its timeframes from its command, its command from its row."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.jobs.commands import JobCommand
from shared.jobs.submission import command_of


def test_a_job_writes_its_own_timeframe_first_then_a_rebuilds_extra_ones_once_each():
    cmd = JobCommand(job_id=uuid.uuid4(), exchange="kraken", symbol="BTC/USD", timeframe="1h", start_ms=0,
                     end_ms=1, options={"timeframes": ["1m", "1h", "1d", "1m"]})
    assert cmd.timeframes == ["1h", "1m", "1d"]
    assert cmd.model_copy(update={"options": {}}).timeframes == ["1h"]


def test_a_stored_row_gives_back_the_command_it_was_submitted_with():
    job_id = uuid.uuid4()
    row = {"id": job_id, "job_type": "trade_rebuild", "parent_id": None, "exchange": "kraken",
           "symbol": "ETH/USD", "timeframe": "5m", "start_ts": datetime(2024, 1, 1, tzinfo=UTC),
           "end_ts": datetime(2024, 1, 2, tzinfo=UTC), "options": {"timeframes": ["1h"]}}
    cmd = command_of(row)
    assert (cmd.job_id, cmd.job_type, cmd.symbol) == (job_id, "trade_rebuild", "ETH/USD")
    assert cmd.timeframes == ["5m", "1h"]
    assert (cmd.start_ms, cmd.end_ms) == (1_704_067_200_000, 1_704_153_600_000)
    assert command_of(row | {"options": None}).options == {}
