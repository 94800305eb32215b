"""GET /api/data-coverage stays small whatever the history: each row's ledger comes as a timeline of a
bounded number of segments, true to the ledger, and the whole listing comes a page at a time from
/api/data-coverage/intervals. (A five-year 1m seed once answered 91 MB in 8 s.)"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.api.app import create_app
from services.launcher.embedded import start_nats
from shared.lake.timeframes import from_ms, to_ms
from shared.ledger.intervals import Interval, listing
from shared.platform.db import create_pool
from shared.platform.settings import Settings
from tests.integration.servers import fresh_database

pytestmark = pytest.mark.integration
M = 60_000
START = to_ms(datetime(2021, 1, 1, tzinfo=UTC))


def five_years_of_minutes(seed: int = 7) -> list[Interval]:
    """A year from the dump in one piece, then years of short stretches of trades and no trades, with a
    few days missing and a hundred short holes, and a provisional tail from REST."""
    rng = random.Random(seed)
    out = [Interval(START, START + 365 * 1440 * M, "data", "zip")]
    cursor, end = out[0].end_ms, START + 5 * 365 * 1440 * M
    holes = set(rng.sample(range(200_000), 100))
    n = 0
    while cursor < end - 1440 * M:
        n += 1
        if n % 50_000 == 0:
            cursor += 3 * 1440 * M  # a few days missing
        elif n in holes:
            cursor += rng.randint(1, 30) * M
        state = "data" if n % 2 else "no_trades"
        length = rng.randint(1, 30 if state == "data" else 5) * M
        out.append(Interval(cursor, min(cursor + length, end), state, "trades"))
        cursor += length
    out.append(Interval(cursor, end, "data", "rest", provisional=True))
    return out


@pytest.fixture
async def api(tmp_path):
    nats_proc, nats_url = start_nats(tmp_path / "nats")
    async with fresh_database() as database_url:
        settings = Settings(database_url=database_url, nats_url=nats_url, storage_url=(tmp_path / "lake").as_uri())
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            yield client, database_url
        finally:
            await client.close()
            nats_proc.terminate()


async def _store(database_url: str, symbol: str, timeframe: str, ledger: list[Interval]) -> None:
    pool = await create_pool(database_url)
    try:
        await pool.copy_records_to_table("ledger_intervals", columns=[
            "exchange", "symbol", "timeframe", "start_ts", "end_ts", "state", "source", "provisional"], records=[
            ("kraken", symbol, timeframe, from_ms(i.start_ms), from_ms(i.end_ms), i.state, i.source, i.provisional)
            for i in ledger])
        await pool.execute("INSERT INTO stored_ranges (exchange, symbol, timeframe, start_ts, end_ts, rows)"
                           " VALUES ('kraken', $1, $2, $3, $4, $5)", symbol, timeframe,
                           from_ms(ledger[0].start_ms), from_ms(ledger[-1].end_ms), len(ledger))
    finally:
        await pool.close()


def _held_ms(ledger: list[Interval], lo: int, hi: int) -> dict[str, int]:
    held: dict[str, int] = {}
    for i in ledger:
        part = min(i.end_ms, hi) - max(i.start_ms, lo)
        if part > 0:
            label = f"{i.state}:{i.source}" if i.source else i.state
            held[label] = held.get(label, 0) + part
    return held


async def test_the_coverage_of_five_years_of_minutes_is_small_and_true_to_the_ledger(api):
    client, database_url = api
    ledger = five_years_of_minutes()
    hours = [Interval(START, START + 100 * 3_600_000, "data", "rest")]
    await _store(database_url, "BTC/USD", "1m", ledger)
    await _store(database_url, "ETH/USD", "1h", hours)

    began = time.perf_counter()
    resp = await client.get("/api/data-coverage?exchange=kraken")
    body = await resp.read()
    took = time.perf_counter() - began
    assert resp.status == 200
    print(f"coverage of {len(ledger):,} intervals: {len(body):,} bytes in {took:.2f} s")
    assert len(body) < 1_000_000
    rows = {r["symbol"]: r for r in json.loads(body)}
    assert set(rows) == {"BTC/USD", "ETH/USD"}
    assert [(s["state"], s["source"], s["stretches"]) for s in rows["ETH/USD"]["timeline"]] == [("data", "rest", 1)]

    row = rows["BTC/USD"]
    segments = row["timeline"]
    assert len(segments) <= 3 * 75 + 2  # two rows share the budget: 75 slots each
    assert segments[0]["start_timestamp"] == row["start_timestamp"]
    assert segments[-1]["end_timestamp"] == row["end_timestamp"]
    assert all(a["end_timestamp"] == b["start_timestamp"] for a, b in zip(segments, segments[1:], strict=False))
    exact = {(i.start_ms, i.end_ms, i.state, i.source) for i in listing(ledger, None, None)}
    merged = 0
    for s in segments:
        lo, hi = to_ms(datetime.fromisoformat(s["start_timestamp"])), to_ms(datetime.fromisoformat(s["end_timestamp"]))
        if s["stretches"] == 1:
            assert (lo, hi, s["state"], s["source"]) in exact, s
            continue
        merged += s["stretches"]
        held = _held_ms(ledger, lo, hi)
        held["missing"] = (hi - lo) - sum(held.values())
        want = {k: round(v / (hi - lo), 4) for k, v in held.items() if v > 0}
        assert s["shares"].keys() == want.keys() and all(abs(s["shares"][k] - want[k]) < 2e-4 for k in want), s
        assert (s["state"], s["source"]) == max(((k.split(":") + [None])[:2] for k in held if k != "missing"),
                                                key=lambda k: held[":".join(x for x in k if x)]) or s
    assert merged > 0 and row["merged_stretches"] >= merged - len(segments)
    assert row["missing_stretches"] == sum(1 for i in listing(ledger, None, None) if i.state == "missing") == 104
    assert segments[0]["state"] == "data" and segments[0]["source"] == "zip" and segments[0]["stretches"] == 1
    assert segments[-1]["provisional"]


async def test_the_whole_listing_comes_a_page_at_a_time(api):
    client, database_url = api
    ledger = five_years_of_minutes()[:12_345]
    await _store(database_url, "BTC/USD", "1m", ledger)
    (row,) = await (await client.get("/api/data-coverage?exchange=kraken")).json()
    url, got, pages = row["intervals_url"] + "&limit=5000", [], 0
    while url:
        page = await (await client.get(url)).json()
        got += page["intervals"]
        url, pages = page["next"], pages + 1
    assert pages == 3
    want = listing(ledger, None, None)
    assert [(to_ms(datetime.fromisoformat(i["start_timestamp"])), i["state"]) for i in got] == [
        (i.start_ms, i.state) for i in want]


async def test_bad_coverage_parameters_name_the_field(api):
    client, _ = api
    for query, field in (("exchange=kraken&limit=0", "limit"), ("exchange=kraken&symbol=BTC/USD", "timeframe"),
                         ("exchange=kraken&symbol=BTC/USD&timeframe=1m&after=yesterday", "after")):
        path = "/api/data-coverage" if "limit" in query else "/api/data-coverage/intervals"
        resp = await client.get(f"{path}?{query}")
        body = await resp.json()
        assert resp.status in (400, 422) and body["field"] == field, body
