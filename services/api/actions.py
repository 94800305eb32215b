"""POST /api/data-jobs/{id}/actions, the job actions (README, "HTTP API"): `validate` what the job stored (run by the
coverage service, followed in the job's `validation` and its event stream), `resume` a job that failed
or was cancelled (a new job for the same request: the planner skips what is already held), `download`
(links to the job's candles as Parquet or CSV), and `cancel` a job that has not ended (with the child
rebuilds of its plan; its workers stop after the page or segment in hand)."""

from __future__ import annotations

import uuid
from typing import Literal
from uuid import UUID

import asyncpg
import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict

from services.api.errors import ApiError
from services.api.jobs import job_row, read_body, submit
from services.api.requests import JobRequest
from services.api.responses.actions import Cancelled, ValidationAsked
from services.api.responses.base import answer
from services.api.state import BUS, EVENTS, POOL
from services.api.views import downloads
from shared.jobs.commands import VALIDATE_SUBJECT, ValidateCommand
from shared.jobs.events.payloads import JobQueued, JobResumed
from shared.jobs.events.validation import ValidationCompleted, ValidationFailed, ValidationQueued
from shared.jobs.lifecycle import CANCELLED, FAILED, TERMINAL_STATUSES, cancel
from shared.jobs.submission import command_of

# A job's children and theirs (a batch's fetch children spawn rebuilds of their own).
_DESCENDANTS = ("WITH RECURSIVE below(id) AS (SELECT id FROM data_jobs WHERE parent_id = $1"
                " UNION SELECT j.id FROM data_jobs j JOIN below b ON j.parent_id = b.id) SELECT id FROM below")

RESUMED_BY = "resumed-by"


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["validate", "resume", "download", "cancel"]


async def job_action(request: web.Request) -> web.Response:
    action = ActionRequest.model_validate(await read_body(request)).action
    row = await job_row(request)
    if action in ("validate", "download") and "batch" in (row["options"] or {}):
        raise ApiError(409, "action", f"a batch holds several markets and timeframes: {action} each of its"
                                      " children (result.children)", "conflict")
    handlers = {"validate": _validate, "resume": _resume, "download": _download, "cancel": _cancel}
    return await handlers[action](request, row)


async def _validate(request: web.Request, row: asyncpg.Record) -> web.Response:
    if row["status"] not in TERMINAL_STATUSES:
        raise ApiError(409, "action", f"the job is {row['status']}; validate it once it has ended", "conflict")
    job = command_of(row)
    cmd = ValidateCommand(job_id=job.job_id, validation_id=uuid.uuid4(), exchange=job.exchange,
                          symbol=job.symbol, timeframes=job.timeframes, start_ms=job.start_ms, end_ms=job.end_ms)
    events, queued = request.app[EVENTS], ValidationQueued(validation_id=cmd.validation_id, timeframes=cmd.timeframes)
    # One validation open at a time: the key names the how-many-th this one would be, so of two
    # requests racing for it the second is refused by the event log itself.
    ended = len(await events.of_type(row["id"], ValidationCompleted)) + len(await events.of_type(row["id"], ValidationFailed))
    if await events.emit(row["id"], queued, dedup_key=f"validation:{ended + 1}") is None:
        raise ApiError(409, "action", "a validation of this job is already queued or running; follow the job's"
                                      " `validation`", "conflict")
    try:
        await request.app[BUS].publish(VALIDATE_SUBJECT, cmd, msg_id=str(cmd.validation_id))
    except Exception as exc:  # nobody would ever run it: say so in the job
        await events.emit(row["id"], ValidationFailed(**queued.model_dump(), error=f"could not queue the validation: {exc}"))
        raise ApiError(503, "job_queue", "the job queue (NATS) is not reachable; try again", "unavailable") from exc
    return web.json_response(answer(ValidationAsked(job_id=row["id"], action="validate", status="queued",
                                                    **queued.model_dump())), status=202)


async def _resume(request: web.Request, row: asyncpg.Record) -> web.Response:
    if row["status"] not in (FAILED, CANCELLED):
        raise ApiError(409, "action", f"only a failed or cancelled job can be resumed; this one is {row['status']}"
                                      " (a refresh fetches what is new)", "conflict")
    if row["parent_id"] is not None:
        raise ApiError(409, "id", f"this job is part of job {row['parent_id']}; resume that one", "conflict")
    events = request.app[EVENTS]
    if (taken := await events.find(row["id"], JobResumed, RESUMED_BY)) is not None:
        raise _resumed_already(taken)
    queued = await events.of_type(row["id"], JobQueued)
    asked = queued[0].request if queued else None
    answered = await submit(request, JobRequest.model_validate(asked), resumed_from=row["id"])
    resumed = JobResumed(resumed_from=row["id"], resumed_by=UUID(orjson.loads(answered.body)["id"]))
    # The dedup key makes the first resume the only one, even of two racing: the loser's job is cancelled.
    if await events.emit(row["id"], resumed, dedup_key=RESUMED_BY) is None:
        taken = await events.find(row["id"], JobResumed, RESUMED_BY)
        if taken is not None and taken.resumed_by != resumed.resumed_by:
            await cancel(events, resumed.resumed_by)
        raise _resumed_already(taken or resumed)
    await events.emit(resumed.resumed_by, resumed, dedup_key="resumed-from")
    return answered


def _resumed_already(taken: JobResumed) -> ApiError:
    return ApiError(409, "action", f"this job was resumed already, by job {taken.resumed_by}; follow that one",
                    "conflict")


async def _download(request: web.Request, row: asyncpg.Record) -> web.Response:
    return web.json_response(downloads(row))


async def _cancel(request: web.Request, row: asyncpg.Record) -> web.Response:
    if row["status"] in TERMINAL_STATUSES:
        raise ApiError(409, "action", f"the job has already ended ({row['status']})", "conflict")
    events = request.app[EVENTS]
    await cancel(events, row["id"])
    children = await request.app[POOL].fetch(_DESCENDANTS, row["id"])
    stopped = [str(c["id"]) for c in children if await cancel(events, c["id"])]
    return web.json_response(answer(Cancelled(job_id=row["id"], action="cancel", status=CANCELLED,
                                              children_cancelled=stopped)))
