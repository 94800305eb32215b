"""The confirm limit, one rule for the API's checks and the fetcher's: a job estimated above
REBUILD_CONFIRM_CALLS Kraken calls runs only when it was submitted with options.confirm=true."""

from __future__ import annotations

from shared.platform.settings import Settings


def needs_confirm(calls: int, settings: Settings) -> bool:
    return calls > settings.rebuild_confirm_calls


def refusal(calls: int, confirmed: bool, settings: Settings, what: str = "this job needs") -> str | None:
    """Why a job of about `calls` Kraken calls may not run (`what` says what needs them), or None when
    it may."""
    if confirmed or not needs_confirm(calls, settings):
        return None
    hours = calls * settings.kraken_rate_limit_ms / 3_600_000
    return (f"{what} about {calls} Kraken calls (~{hours:.1f} h at the rate limit), above the limit of"
            f" {settings.rebuild_confirm_calls}; see the plan with options.dry_run, then resubmit with"
            " options.confirm=true")
