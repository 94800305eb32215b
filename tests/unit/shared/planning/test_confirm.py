"""The confirm limit: above REBUILD_CONFIRM_CALLS a job runs only when confirmed, and the refusal says
how to see the plan and how to confirm."""

from __future__ import annotations

from shared.planning.confirm import needs_confirm, refusal
from shared.platform.settings import Settings

SETTINGS = Settings(rebuild_confirm_calls=3000, kraken_rate_limit_ms=1200)


def test_the_limit_itself_still_runs_without_confirming():
    assert not needs_confirm(3000, SETTINGS) and needs_confirm(3001, SETTINGS)
    assert refusal(3000, False, SETTINGS) is None


def test_above_the_limit_only_a_confirmed_job_runs():
    assert refusal(6000, True, SETTINGS) is None
    text = refusal(6000, False, SETTINGS)
    assert text == ("this job needs about 6000 Kraken calls (~2.0 h at the rate limit), above the limit of 3000;"
                    " see the plan with options.dry_run, then resubmit with options.confirm=true")


def test_the_refusal_names_what_needs_the_calls():
    text = refusal(4000, False, SETTINGS, "the plan rebuilds 3999000 trades from Kraken's Trades API, which needs")
    assert text.startswith("the plan rebuilds 3999000 trades from Kraken's Trades API, which needs about 4000")
