"""on_batch: a batch parent (README, "Batch requests"), planned once into child jobs that each stay within
MAX_RANGE_DAYS: a fetch per (symbol, timeframe, piece of the range), and per symbol one rebuild for the
trades its timeframes share. The children are stored and queued here; coverage completes the batch once
every one has completed. A batch that resumes another runs only the children that one did not complete."""

from __future__ import annotations

import uuid
from uuid import UUID

import structlog

from shared.jobs.commands import JobCommand
from shared.jobs.events.payloads import BatchChild, ChildrenPlanned, JobFetched, JobMessage
from shared.jobs.lifecycle import COMPLETED, cancel, stop_if_ended
from shared.jobs.submission import enqueue, store_job
from shared.kraken.client import ExchangeClient
from shared.lake.timeframes import iso, parse_iso
from shared.planning.batch import BatchSpec, ChildPlan, totals
from shared.planning.batch_plan import plan_batch
from shared.planning.confirm import refusal
from shared.platform.errors import PermanentError
from shared.service.runtime import Runtime

log = structlog.get_logger()
PLANNED = "batch-planned"  # the dedup key of a batch's plan: made once


def spec_of(cmd: JobCommand) -> BatchSpec:
    batch = cmd.options["batch"]
    return BatchSpec(cmd.exchange, batch["symbols"], batch["timeframes"], cmd.start_ms, cmd.end_ms,
                     bool(cmd.options.get("seed_from_zip", True)), bool(cmd.options.get("full_history")))


async def _done_before(rt: Runtime, cmd: JobCommand) -> dict[str, UUID]:
    """The children the resumed batch completed (or had carried over itself), by key."""
    resumed = cmd.options.get("resume_of")
    if not resumed:
        return {}
    before = await rt.events.find(UUID(resumed), ChildrenPlanned, PLANNED)
    if before is None:
        return {}
    statuses = {r["id"]: r["status"] for r in await rt.pool.fetch(
        "SELECT id, status FROM data_jobs WHERE parent_id = $1", UUID(resumed))}
    return {c.key: c.done_by or c.id for c in before.children
            if c.done_by is not None or statuses.get(c.id) == COMPLETED}


def _entry(cmd: JobCommand, plan: ChildPlan, done: dict[str, UUID]) -> BatchChild:
    # Named by batch and work, so a fetcher that restarts mid-batch stores the same children again.
    return BatchChild(id=uuid.uuid5(cmd.job_id, plan.key), key=plan.key, job_type=plan.job_type, symbol=plan.symbol,
                      timeframes=list(plan.timeframes), start_timestamp=iso(plan.start_ms),
                      end_timestamp=iso(plan.end_ms), calls=plan.calls, rows=plan.rows, seconds=plan.seconds,
                      weight=plan.weight, trades_covered=[(iso(a), iso(b)) for a, b in plan.trades_covered],
                      done_by=done.get(plan.key))


def child_command(cmd: JobCommand, child: BatchChild) -> JobCommand:
    if child.job_type == "fetch":
        # The batch checked the cost; the trades of the covered parts are the batch's rebuilds' work.
        options = {"seed_from_zip": cmd.options.get("seed_from_zip", True), "confirm": True,
                   "trades_covered": [[parse_iso(a), parse_iso(b)] for a, b in child.trades_covered]}
    else:
        # The fetch children's REST and dump segments meet this rebuild at seams, where the writer
        # compares them (as for a plan's child rebuild, services/fetcher/children.py).
        options = {"timeframes": child.timeframes[1:], "empty_buckets": "sparse", "compare_with_ohlc": False,
                   "compare_with_dump": False}
    return JobCommand(job_id=child.id, job_type=child.job_type, parent_id=cmd.job_id, exchange=cmd.exchange,
                      symbol=child.symbol, timeframe=child.timeframes[0], start_ms=parse_iso(child.start_timestamp),
                      end_ms=parse_iso(child.end_timestamp), options=options)


async def _plan(rt: Runtime, client: ExchangeClient, cmd: JobCommand) -> ChildrenPlanned:
    stored = await rt.events.find(cmd.job_id, ChildrenPlanned, PLANNED)
    if stored is not None:
        return stored
    confirmed = bool(cmd.options.get("confirm"))
    plans = await plan_batch(rt.pool, client, rt.settings, spec_of(cmd))
    summary = totals(plans)
    if (reason := refusal(summary["calls"], confirmed, rt.settings, "the batch needs")) is not None:
        raise PermanentError(reason)
    done = await _done_before(rt, cmd)
    planned = ChildrenPlanned(children=[_entry(cmd, p, done) for p in plans], totals=summary)
    await rt.events.emit(cmd.job_id, planned, dedup_key=PLANNED)
    again = sum(c.done_by is None for c in planned.children)
    await rt.events.emit(cmd.job_id, JobMessage(
        text=f"Batch: {len(plans)} child job(s), {again} to run ({len(plans) - again} completed before); about"
             f" {summary['calls']} exchange call(s)", level="info"), dedup_key="batch-message")
    return planned


async def on_batch(rt: Runtime, cmd: JobCommand, client: ExchangeClient) -> None:
    """Plans the batch (or takes its stored plan) and stores and queues every child still to run."""
    planned = await _plan(rt, client, cmd)
    spawned = []
    for child in planned.children:
        if child.done_by is not None:
            continue
        await stop_if_ended(rt.events, cmd.job_id)
        command = child_command(cmd, child)
        request = {"exchange": command.exchange, "symbol": command.symbol, "timeframe": command.timeframe,
                   "start_timestamp": child.start_timestamp, "end_timestamp": child.end_timestamp,
                   "job_type": command.job_type, "parent_id": str(cmd.job_id)}
        await store_job(rt.pool, rt.events, command, request)
        if await rt.events.has_ended(cmd.job_id):
            # Cancelled while this child was being stored: the API may not have seen it among the
            # batch's children, and the outbox sweep would queue it.
            await cancel(rt.events, command.job_id)
            await stop_if_ended(rt.events, cmd.job_id)
        await enqueue(rt.bus, rt.pool, command)
        spawned.append(str(command.job_id))
    await rt.events.emit(cmd.job_id, JobFetched(batch_ids=[], children=spawned, rows=0, exchange_calls=client.calls,
                                                failed_calls=client.failed_calls), dedup_key="fetched")
    log.info("batch.spawned", job_id=str(cmd.job_id), children=len(spawned), reused=len(planned.children) - len(spawned),
             calls=client.calls)
