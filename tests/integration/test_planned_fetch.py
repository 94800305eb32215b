"""A fetch job planned across sources: Kraken's OHLCVT dump up to its cut-off, trades rebuilt from
there to the REST window, REST for the newest candles. Stitched without a gap, every candle from the
right source, every seam compared, and nothing fetched twice."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from tests.integration.candles import stored, truth
from tests.integration.client import get_json, lake_rows, ledger_listing, run_job
from tests.integration.rebuilds import close_enough
from tests.integration.system import isolated_system
from tests.integration.times import CUTOFF, iso, ns

# 20 hours after the full dump's cut-off (the start of Q4): the dump ends at 00:00, REST's 720
# minutes start at 08:01, and trades must fill the eight hours between.
SIM_NOW = "2026-10-01T20:00:00Z"
NOW = datetime.fromisoformat(SIM_NOW.replace("Z", "+00:00"))
WINDOW_START = NOW - timedelta(minutes=719)
START, END = CUTOFF - timedelta(hours=2), NOW - timedelta(hours=1)
CONFIRM_CALLS = 20


@pytest.fixture(scope="module")
async def dump_sim(tmp_path_factory):
    from tests.kraken_sim import running_simulator

    async with running_simulator(seed=5, now=SIM_NOW, rate_limit=None) as sim:
        sim.dump_folder = tmp_path_factory.mktemp("ohlcvt")
        sim.write_dumps(sim.dump_folder, names=("Kraken_OHLCVT.zip",), pairs=["BTC/USD"], intervals=(1, 60),
                        start="2026-09-28T00:00:00Z")
        yield sim


@pytest.fixture(scope="module")
async def stitched(dump_sim, tmp_path_factory):
    async with isolated_system(dump_sim.url, tmp_path_factory, KRAKEN_OHLCVT_SOURCE=str(dump_sim.dump_folder),
                               REBUILD_CONFIRM_CALLS=str(CONFIRM_CALLS)) as system:
        yield system


def dump_folder_of(system) -> Path:
    return Path(system.env["KRAKEN_OHLCVT_SOURCE"])


def job_request(**options) -> dict:
    return {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m", "start_timestamp": iso(START),
            "end_timestamp": iso(END), "options": options}


def expected_source(ts: datetime, zip_end: datetime) -> str | None:
    """None at a seam candle, which both neighbours fetch (the ranking decides, the test checks both)."""
    if ts < zip_end:
        return "zip"
    if ts < WINDOW_START:
        return "trades"
    return None if ts == WINDOW_START else "rest"


async def test_the_dump_is_cached_with_its_manifest(stitched):
    for _ in range(100):
        dumps = await get_json(stitched.api, "/api/dumps")
        if dumps:
            break
        await asyncio.sleep(0.2)
    (dump,) = dumps
    assert dump["name"] == "Kraken_OHLCVT.zip" and len(dump["sha256"]) == 64
    minute = next(m for m in dump["members"] if m["member"] == "XBTUSD_1.csv")
    assert minute["last_timestamp"] < iso(CUTOFF) and minute["rows"] > 1000
    cached = stitched.lake / "raw" / "kraken" / "ohlcvt"
    assert (cached / "Kraken_OHLCVT.zip").read_bytes() == (dump_folder_of(stitched) / "Kraken_OHLCVT.zip").read_bytes()
    manifest = json.loads((cached / "Kraken_OHLCVT.zip.manifest.json").read_text())
    assert manifest["sha256"] == dump["sha256"] and {m["member"] for m in manifest["members"]} == {
        "XBTUSD_1.csv", "XBTUSD_60.csv"}


async def test_dry_run_shows_the_mixed_plan(stitched, dump_sim):
    before = await get_json(stitched.api, "/api/data-jobs?limit=500")
    body = await submit_dry(stitched.api, job_request(dry_run=True))
    kinds = [s["kind"] for s in body["plan"]["segments"]]
    assert kinds == ["zip", "trades", "rest"], body
    zip_seg, trades_seg, rest_seg = body["plan"]["segments"]
    assert zip_seg["start_timestamp"] == iso(START) and zip_seg["calls"] == 0
    assert rest_seg["start_timestamp"] == iso(WINDOW_START) and rest_seg["end_timestamp"] == iso(END)
    assert rest_seg["calls"] == 1
    # Trades: ~8 hours, counted from Kraken's 1h counts; only the two hours its ends cut are in proportion.
    real = dump_sim.trades("BTC/USD", ns(CUTOFF - timedelta(minutes=1)), ns(WINDOW_START + timedelta(minutes=1))).n
    edges = (dump_sim.trades("BTC/USD", ns(CUTOFF - timedelta(hours=1)), ns(CUTOFF)).n
             + dump_sim.trades("BTC/USD", ns(WINDOW_START.replace(minute=0)), ns(WINDOW_START.replace(minute=0) + timedelta(hours=1))).n)
    assert abs(trades_seg["trades"] - real) <= edges, (trades_seg, real)
    assert trades_seg["calls"] == trades_seg["trades"] // 1000 + 1 and trades_seg["seconds"] > 0
    assert trades_seg["note"] == f"{trades_seg['trades']:,} trades by Kraken's OHLC counts"
    assert body["nothing_to_do"] is False and body["count_calls"] == 1  # the 1h counts reach it all
    assert body["plan"]["totals"]["calls"] == sum(s["calls"] for s in body["plan"]["segments"])
    assert await get_json(stitched.api, "/api/data-jobs?limit=500") == before  # nothing was created


async def submit_dry(api: str, payload: dict) -> dict:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.post(f"{api}/api/data-jobs", json=payload) as resp:
        body = await resp.json()
        assert resp.status == 200, body
        return body


async def test_dump_trades_and_rest_are_stitched_without_a_gap(stitched, dump_sim):
    calls = dump_sim.stats()
    view, events = await run_job(stitched.api, job_request())
    assert view["status"] == "completed", (view, stitched.logs())
    zip_seg = next(s for s in view["result"]["plan"]["segments"] if s["kind"] == "zip")
    zip_end = datetime.fromisoformat(zip_seg["end_timestamp"].replace("Z", "+00:00"))
    assert CUTOFF - timedelta(minutes=30) < zip_end <= CUTOFF
    assert len(view["result"]["children"]) == 1

    want = truth(dump_sim, "BTC/USD", 1, START, END)
    rows = [r for r in lake_rows(stitched.lake, "BTC/USD", "1m") if START <= r["ts"] < END]
    assert [r[0] for r in stored(rows)] == [w[0] for w in want]  # gap-free: every candle with trades
    assert view["result"]["rows"] == len(rows)  # a seam candle fetched by both neighbours counts once
    for row in rows:
        source = expected_source(row["ts"], zip_end)
        assert source is None or row["source"] == source, row
    dumped = [r for r in rows if r["source"] == "zip"]
    by_ts = {w[0]: w for w in want}
    # The dump has no vwap; everything else is Kraken's own candle.
    assert [s[:6] + s[7:] for s in stored(dumped)] == [by_ts[s[0]][:6] + by_ts[s[0]][7:] for s in stored(dumped)]
    others = [s for s in stored(rows) if s[0] >= int(zip_end.timestamp() * 1000)]
    assert close_enough(others, [by_ts[s[0]] for s in others])

    # Both seams were fetched from both sides; wherever the seam candle had trades it was compared.
    seams = [zip_end - timedelta(minutes=1), WINDOW_START]
    traded = sum(int(s.timestamp() * 1000) in by_ts for s in seams)
    checks = view["result"]["comparisons"]["with_stored"] or {"compared": 0, "differing": 0}
    assert checks["compared"] >= traded and checks["differing"] == 0, checks
    assert dump_sim.stats().get("OHLC", 0) - calls.get("OHLC", 0) == 1

    listed = await ledger_listing(stitched.api, "BTC/USD", "1m")
    inside = [i for i in listed if i["end_timestamp"] > iso(START) and i["start_timestamp"] < iso(END)]
    assert {i["state"] for i in inside} <= {"data", "no_trades"}, inside
    assert {i["source"] for i in inside if i["state"] == "data"} == {"zip", "trades", "rest"}
    assert inside[0]["start_timestamp"] <= iso(START) and inside[-1]["end_timestamp"] >= iso(END)


async def test_the_same_job_again_makes_no_exchange_calls_and_refresh_fetches_only_the_new_part(stitched, dump_sim):
    await run_job(stitched.api, job_request())  # held from here on, whatever ran before
    calls = dump_sim.stats()
    view, _ = await run_job(stitched.api, job_request())
    assert view["status"] == "completed"
    assert [s["kind"] for s in view["result"]["plan"]["segments"]] == ["covered"]
    after = dump_sim.stats()
    assert after == calls  # no exchange call at all: not the clock, not the market list (loaded once)
    assert view["result"]["exchange_calls"] == 0

    new_end = NOW + timedelta(hours=2)
    dump_sim.set_now(iso(new_end))
    try:
        view, _ = await run_job(stitched.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m",
                                        "options": {"refresh": True}})
        want = truth(dump_sim, "BTC/USD", 1, END, new_end)  # committed as of the later clock
    finally:
        dump_sim.set_now(SIM_NOW)
    assert view["status"] == "completed", view
    refreshed = dump_sim.stats()
    assert refreshed.get("OHLC", 0) - after.get("OHLC", 0) == 1
    assert refreshed.get("Trades", 0) == after.get("Trades", 0)
    assert view["start_timestamp"] == iso(END) and view["end_timestamp"] == iso(new_end)
    rows = [r for r in lake_rows(stitched.lake, "BTC/USD", "1m") if END <= r["ts"] < new_end]
    assert stored(rows) == want


async def test_full_history_starts_at_the_dump_or_at_the_first_trade(stitched, dump_sim):
    dumps = await get_json(stitched.api, "/api/dumps")
    minute = next(m for d in dumps for m in d["members"] if m["member"] == "XBTUSD_1.csv")
    body = await submit_dry(stitched.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m",
                                           "end_timestamp": iso(END), "options": {"full_history": True, "dry_run": True}})
    assert body["start_timestamp"] == minute["first_timestamp"]
    assert body["plan"]["segments"][0]["kind"] == "zip"
    # No weekly file in the dump: Kraken's first trade decides, floored to its week (a Thursday).
    weekly = await submit_dry(stitched.api, {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1w",
                                             "end_timestamp": iso(END), "options": {"full_history": True, "dry_run": True}})
    listed = dump_sim.pair("BTC/USD").listed_s
    first_s = int(dump_sim.trades("BTC/USD", listed * 10**9, (listed + 7 * 86400) * 10**9).ts_ns[0]) // 10**9
    week = 7 * 86400
    assert weekly["start_timestamp"] == iso(datetime.fromtimestamp(first_s // week * week, tz=NOW.tzinfo))
    assert [s["kind"] for s in weekly["plan"]["segments"]] == ["rest"]


async def test_a_plan_with_a_long_rebuild_runs_only_when_confirmed(stitched, dump_sim):
    start, end = CUTOFF - timedelta(days=30), CUTOFF - timedelta(days=12)  # before the dump's rows
    payload = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "15m", "start_timestamp": iso(start),
               "end_timestamp": iso(end)}
    preview = await submit_dry(stitched.api, payload | {"options": {"dry_run": True}})
    assert [s["kind"] for s in preview["plan"]["segments"]] == ["trades"] and preview["needs_confirm"]
    assert "unknown" not in preview["plan"]["segments"][0]["note"]
    calls = dump_sim.stats()
    view, events = await run_job(stitched.api, payload)
    assert view["status"] == "failed" and "resubmit with options.confirm=true" in view["error"], view
    # The plan's trades are counted already, from the counts the dry run kept: no call to check it.
    after = dump_sim.stats()
    assert (after.get("Trades", 0), after.get("OHLC", 0)) == (calls.get("Trades", 0), calls.get("OHLC", 0))
    assert view["result"]["children"] == []


async def test_a_dump_replaces_rest_candles_for_the_period_it_covers(stitched, dump_sim):
    # 1h: REST's 720 hours reach weeks back, over the dump's last days.
    start, end = datetime.fromisoformat("2026-09-28T00:00:00+00:00"), CUTOFF + timedelta(hours=12)
    payload = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h", "start_timestamp": iso(start),
               "end_timestamp": iso(end)}
    view, _ = await run_job(stitched.api, payload | {"options": {"seed_from_zip": False}})
    assert view["status"] == "completed" and [s["kind"] for s in view["result"]["plan"]["segments"]] == ["rest"]
    assert {r["source"] for r in lake_rows(stitched.lake, "BTC/USD", "1h") if start <= r["ts"] < end} == {"rest"}

    calls = dump_sim.stats()
    view, _ = await run_job(stitched.api, payload)  # now with the dump: it supersedes what REST gave
    assert view["status"] == "completed", view
    assert [s["kind"] for s in view["result"]["plan"]["segments"]] == ["zip", "covered"]
    # A ZIP-only job asks Kraken nothing: not OHLC, and not the market list, loaded once per process.
    assert {k: dump_sim.stats().get(k, 0) - calls.get(k, 0) for k in ("OHLC", "Assets", "AssetPairs")} == {
        "OHLC": 0, "Assets": 0, "AssetPairs": 0}
    rows = [r for r in lake_rows(stitched.lake, "BTC/USD", "1h") if start <= r["ts"] < end]
    assert {r["source"] for r in rows if r["ts"] < CUTOFF} == {"zip"}
    assert {r["source"] for r in rows if r["ts"] >= CUTOFF} == {"rest"}
    # The dump holds no vwap: compare the rest, every value, with Kraken's own candles.
    assert [s[:6] + s[7:] for s in stored(rows)] == [t[:6] + t[7:] for t in truth(dump_sim, "BTC/USD", 60, start, end)]
    # Every replaced candle was compared with the REST one it replaced, and they agree.
    report = view["result"]["comparisons"]["with_stored"]
    assert report["compared"] == len([r for r in rows if r["ts"] < CUTOFF]) and report["differing"] == 0, report
    # The ledger: over the dump's period, hours with candles from the dump and hours it shows empty.
    held = [(i["state"], i["source"]) for i in await ledger_listing(stitched.api, "BTC/USD", "1h")
            if iso(start) <= i["start_timestamp"] and i["end_timestamp"] <= iso(CUTOFF)]
    assert set(held) == {("data", "zip"), ("no_trades", "zip")}, held
    assert sum(1 for state, _ in held if state == "data") > 1


async def test_a_rebuild_over_the_dump_is_checked_against_every_candle_it_holds(stitched, dump_sim):
    start, end = CUTOFF - timedelta(hours=6), CUTOFF + timedelta(hours=1)
    dumps = await get_json(stitched.api, "/api/dumps")
    members = {m["member"]: m for d in dumps for m in d["members"]}
    view, events = await run_job(stitched.api, {
        "job_type": "trade_rebuild", "exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m",
        "start_timestamp": iso(start), "end_timestamp": iso(end),
        "options": {"timeframes": ["5m", "1h"], "confirm": True}})
    assert view["status"] == "completed", (view, stitched.logs())
    checks = view["result"]["comparisons"]["with_ohlcvt_dump"]
    assert set(checks) == {"1m", "1h"}  # the dump has no 5m member here
    texts = [e["data"]["text"] for e in events if e["type"] == "job.message"]
    for tf, minutes in (("1m", 1), ("1h", 60)):
        last = datetime.fromisoformat(members[f"XBTUSD_{minutes}.csv"]["last_timestamp"].replace("Z", "+00:00"))
        held = len(truth(dump_sim, "BTC/USD", minutes, start, last + timedelta(minutes=minutes)))
        assert held > 0 and checks[tf]["compared"] == held and checks[tf]["differing"] == 0, (tf, checks[tf])
        assert f"{tf}: {held} of {held} candles match Kraken's OHLCVT dump" in texts, texts


async def test_a_range_wholly_before_the_markets_history_is_refused_alike_by_the_dry_run_and_the_job(stitched):
    """Once a full-history request has learnt the market's first trade, a range ending before it can
    only find nothing: the dry run and the job refuse it alike."""
    early = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h",
             "start_timestamp": "2001-01-01T00:00:00Z", "end_timestamp": "2001-02-01T00:00:00Z"}
    learn = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h", "end_timestamp": iso(END),
             "options": {"full_history": True, "seed_from_zip": False, "dry_run": True}}
    before = await get_json(stitched.api, "/api/data-jobs?limit=500")
    answers = []
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{stitched.api}/api/data-jobs", json=learn) as resp:
            assert resp.status == 200, await resp.text()
        for options in ({"dry_run": True}, {}):
            async with http.post(f"{stitched.api}/api/data-jobs", json=early | {"options": options}) as resp:
                answers.append((resp.status, await resp.json()))
    (dry_status, dry), (job_status, job) = answers
    assert dry_status == job_status == 422, answers
    assert dry["field"] == job["field"] == "start_timestamp" and dry["reason"] == job["reason"]
    assert "before BTC/USD's first trade" in job["reason"]
    assert await get_json(stitched.api, "/api/data-jobs?limit=500") == before
