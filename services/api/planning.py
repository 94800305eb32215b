"""What the API works out before a job runs: the range of a full-history or refresh job, and the plan
with its cost, shown by a dry run and checked against the confirm limit."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.api.errors import ApiError
from services.api.requests import JobRequest
from services.api.responses.base import answer
from services.api.responses.plans import DRY_RUN
from shared.kraken.budget import CallBudget
from shared.kraken.client import ExchangeClient
from shared.lake.timeframes import from_ms, iso, millis, to_ms
from shared.ledger import intervals as ledger
from shared.ledger import store as ledger_store
from shared.planning.confirm import needs_confirm, refusal
from shared.planning.cost import estimate_after_dump
from shared.planning.inputs import Scope, dump_extents, plan_scope
from shared.planning.planner import earliest_start
from shared.planning.summary import describe, summarize
from shared.platform.settings import Settings

FAR = 2**45  # ms: beyond any candle


def api_client(settings: Settings, budget: CallBudget | None) -> ExchangeClient:
    """The API process's one client: every dry run shares it, its market list and the call budget."""
    # A person is waiting on the answer: ask Kraken twice at most, then say it is unreachable.
    hurried = settings.model_copy(update={"exchange_max_retries": 1, "exchange_backoff_base_s": 0.5})
    return ExchangeClient(hurried, budget=budget)


def scope_of(req: JobRequest, start_ms: int, end_ms: int) -> Scope:
    return Scope(req.exchange, req.symbol, req.timeframe, start_ms, end_ms, req.options.seed_from_zip)


async def _first_trade_ms(client: ExchangeClient, symbol: str) -> int | None:
    market = await client.market(symbol)
    page = await client.trades(market.id, since=0, count=1)
    return page.times_ms()[0] if len(page) else None


async def history_start_after(pool: asyncpg.Pool, req: JobRequest, end_ms: int) -> int | None:
    """The market's first trade, when the range ends at or before it; None when its history begins
    earlier or its first trade is not known yet (it is learnt, and kept, by a full-history request).
    Read from the database alone, so a dry run and the job of the same request always judge alike,
    and neither costs an exchange call. A dump's first row does not count: a dump folder may hold only
    recent quarters."""
    first_trade = await _kept_first_trade(pool, req)
    return first_trade if first_trade is not None and first_trade >= end_ms else None


async def _kept_first_trade(pool: asyncpg.Pool, req: JobRequest) -> int | None:
    kept = await pool.fetchval("SELECT first_trade_ts FROM markets WHERE exchange = $1 AND symbol = $2",
                               req.exchange, req.symbol)
    return to_ms(kept) if kept is not None else None


async def _learn_first_trade(pool: asyncpg.Pool, client: ExchangeClient, req: JobRequest) -> int | None:
    first = await _first_trade_ms(client, req.symbol)
    if first is not None:
        await pool.execute("UPDATE markets SET first_trade_ts = $3 WHERE exchange = $1 AND symbol = $2",
                           req.exchange, req.symbol, from_ms(first))
    return first


def check_not_before_history(req: JobRequest, history_start: int | None) -> None:
    """A range wholly before the market's first data would plan work that can only find nothing."""
    if history_start is not None:
        raise ApiError(422, "start_timestamp",
                       f"the whole range ends before {req.symbol}'s first trade on {req.exchange}"
                       f" ({iso(history_start)}); start at or after it, or use options.full_history")


async def resolve_range(pool: asyncpg.Pool, client: ExchangeClient, req: JobRequest) -> tuple[datetime, datetime]:
    step = millis(req.timeframe)
    start, end = req.start_timestamp, req.end_timestamp
    if end is None:  # refresh: up to the last candle Kraken has closed
        end = from_ms(await client.server_time_ms() // step * step)
    if req.options.refresh and start is None:
        known = await ledger_store.load(pool, req.exchange, req.symbol, req.timeframe)
        held = ledger.held(known, -FAR, FAR)
        if not held:
            raise ApiError(422, "options.refresh", f"nothing is stored yet for {req.symbol} {req.timeframe};"
                                                   " give start_timestamp to fetch a first range")
        start = from_ms(held[-1][1] // step * step)  # on a candle's open, whatever the ledger's edges
    if req.options.full_history:
        dumps = await dump_extents(pool, scope_of(req, -FAR, FAR))
        first = earliest_start(dumps, None if dumps else await _learn_first_trade(pool, client, req))
        if first is None:
            raise ApiError(422, "options.full_history", f"no dump or trade of {req.symbol} is known to start from")
        start = from_ms(first // step * step)
    return start, end


async def preview(pool: asyncpg.Pool, client: ExchangeClient, settings: Settings, req: JobRequest,
                  start: datetime, end: datetime) -> dict:
    """The plan and its cost: a rebuild's Trades calls from Kraken's OHLC trade counts (kept, so a
    second preview of the same range asks Kraken for none)."""
    start_ms, end_ms = to_ms(start), to_ms(end)
    if req.job_type == "trade_rebuild":
        # A rebuild's Trades calls: the trading-history dump's part costs none.
        estimate = await estimate_after_dump(pool, client, settings, req.exchange, req.symbol, start_ms,
                                             end_ms)
        idle = end_ms <= start_ms
        return {"job_type": "trade_rebuild", "estimate": estimate, "calls": estimate["calls"],
                "nothing_to_do": idle, "message": "Nothing to do: the range is empty" if idle else
                f"About {estimate['trades']:,} trades to page from Kraken's Trades API"}
    planned = await plan_scope(pool, client, settings, scope_of(req, start_ms, end_ms))
    summary = summarize(planned.segments)
    idle = all(s.kind == "covered" for s in planned.segments)
    return {"job_type": "fetch", "plan": summary, "calls": summary["totals"]["calls"],
            "count_calls": planned.count_calls, "nothing_to_do": idle,
            "message": nothing_to_do(req, planned.segments) if idle else describe(planned.segments)}


def nothing_to_do(req: JobRequest, segments: list) -> str:
    if not segments:
        return f"Nothing to do: the range holds no whole {req.timeframe} candle that has closed"
    return "Nothing to do: the lake holds the whole range already"


def check_cost(req: JobRequest, settings: Settings, cost: dict) -> None:
    if (reason := refusal(cost["calls"], req.options.confirm, settings)) is not None:
        raise ApiError(422, "options.confirm", reason, "confirmation_required")


def dry_run_body(req: JobRequest, start: datetime, end: datetime, cost: dict, settings: Settings) -> dict:
    """What a dry run answers: the plan or the estimate, and whether the job would need confirming."""
    return answer(DRY_RUN.validate_python({
        "dry_run": True, "exchange": req.exchange, "symbol": req.symbol, "timeframe": req.timeframe,
        "start_timestamp": start, "end_timestamp": end,
        "needs_confirm": needs_confirm(cost["calls"], settings) and not cost["nothing_to_do"], **cost}))
