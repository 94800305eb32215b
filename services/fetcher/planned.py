"""A fetch job's plan, made once and stored as its job.planned event: a fetcher that restarts mid-job
carries on with the same segments, batch ids and child jobs instead of planning anew."""

from __future__ import annotations

from dataclasses import asdict

from shared.jobs.commands import JobCommand
from shared.jobs.events.payloads import JobMessage, JobPlanned
from shared.kraken.client import ExchangeClient
from shared.kraken.constants import DUMP_INTERVAL
from shared.kraken.dumps.ohlcvt import member_name
from shared.planning.confirm import refusal
from shared.planning.inputs import Scope, plan_scope
from shared.planning.planner import Segment
from shared.planning.summary import describe, summarize
from shared.platform.errors import PermanentError
from shared.service.runtime import Runtime


def scope_of(cmd: JobCommand) -> Scope:
    return Scope(cmd.exchange, cmd.symbol, cmd.timeframe, cmd.start_ms, cmd.end_ms,
                 bool(cmd.options.get("seed_from_zip", True)))


async def planned(rt: Runtime, client: ExchangeClient, cmd: JobCommand) -> list[Segment]:
    stored = await rt.events.find(cmd.job_id, JobPlanned, "planned")
    if stored is not None:
        return [Segment(**s) for s in stored.segments_raw]
    segments = (await plan_scope(rt.pool, client, rt.settings, scope_of(cmd))).segments
    await rt.events.emit(cmd.job_id, JobPlanned(**summarize(segments), segments_raw=[asdict(s) for s in segments]),
                         dedup_key="planned")
    await rt.events.emit(cmd.job_id, JobMessage(text=f"Plan: {describe(segments)}", level="info"),
                         dedup_key="plan-message")
    missing = await missing_member(rt, cmd, segments)
    if missing:
        await rt.events.emit(cmd.job_id, JobMessage(text=missing, level="warning"), dedup_key="no-member")
    return segments


async def missing_member(rt: Runtime, cmd: JobCommand, segments: list[Segment]) -> str | None:
    """Says so when dumps are cached but none has this market's file for this interval."""
    minutes = DUMP_INTERVAL.get(cmd.timeframe)
    if minutes is None or not cmd.options.get("seed_from_zip", True) or any(s.kind == "zip" for s in segments):
        return None
    row = await rt.pool.fetchrow(
        "SELECT k.altname, (SELECT count(*) FROM dump_files WHERE kind = 'ohlcvt') AS files,"
        " (SELECT count(*) FROM dump_members m WHERE m.kind = 'ohlcvt' AND m.altname = k.altname"
        "  AND m.minutes = $3) AS members FROM markets k WHERE k.exchange = $1 AND k.symbol = $2",
        cmd.exchange, cmd.symbol, minutes)
    if row is None or not row["files"] or row["members"]:
        return None
    return (f"No cached OHLCVT dump has {member_name(row['altname'], minutes)}; the plan takes trades and REST"
            " instead")


def check_cost(rt: Runtime, cmd: JobCommand, segments: list[Segment]) -> None:
    """A plan whose calls pass the confirm limit runs only when the job was confirmed. The plan's
    trades segments are costed already, from Kraken's OHLC trade counts: checking asks Kraken nothing."""
    totals = summarize(segments)["totals"]
    trades = sum(s.trades for s in segments if s.kind == "trades")
    what = f"the plan rebuilds {trades:,} trades from Kraken's Trades API, which needs"
    if (reason := refusal(totals["calls"], bool(cmd.options.get("confirm")), rt.settings, what)) is not None:
        raise PermanentError(reason)
