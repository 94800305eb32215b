"""The job actions through the whole system: validate what a job stored (and find damage done
to the lake behind the system's back), download it as Parquet and CSV, resume a job that failed, and
cancel a running one."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import aiohttp
import duckdb
import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.integration.candles import stored, truth
from tests.integration.client import act, follow, get_json, lake_rows, submit, validated
from tests.integration.rebuilds import close_enough, rebuilt
from tests.integration.system import isolated_system
from tests.integration.times import NOW, iso

START, END = NOW - timedelta(days=6), NOW - timedelta(days=2)
REQUEST = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h", "start_timestamp": iso(START),
           "end_timestamp": iso(END)}


@pytest.fixture(scope="module")
async def acting(simulator, tmp_path_factory):
    # One delivery and one retry: a job whose calls keep failing fails at once, to be resumed.
    async with isolated_system(simulator.url, tmp_path_factory, MAX_DELIVER="1", EXCHANGE_MAX_RETRIES="1") as system:
        yield system


async def coverage_row(api: str) -> dict:
    (row,) = await get_json(api, "/api/data-coverage?exchange=kraken&symbol=BTC/USD&timeframe=1h")
    return row


def in_range(rows: list[dict]) -> list[dict]:
    return [r for r in rows if START <= r["ts"] < END]


async def test_a_failed_job_is_resumed_as_a_new_job_that_completes(acting, simulator):
    simulator.set_faults("503:1.0")
    try:
        failed = await submit(acting.api, REQUEST)
        events = await follow(acting.api, failed["id"])
    finally:
        simulator.set_faults(None)
    assert events[-1]["type"] == "job.failed", events[-3:]
    status, body = await act(acting.api, failed["id"], "resume")
    assert status == 201 and body["resumed_from"] == failed["id"] and body["id"] != failed["id"], body
    status, twice = await act(acting.api, failed["id"], "resume")  # a job resumed already says by which job
    assert status == 409 and twice["field"] == "action" and body["id"] in twice["reason"], twice
    assert (await get_json(acting.api, f"/api/data-jobs/{failed['id']}"))["resumed_by"] == body["id"]
    assert (await get_json(acting.api, f"/api/data-jobs/{body['id']}"))["resumed_from"] == failed["id"]
    events = await follow(acting.api, body["id"])
    assert events[-1]["type"] == "job.completed", events[-3:]
    assert stored(in_range(lake_rows(acting.lake, "BTC/USD", "1h"))) == truth(simulator, "BTC/USD", 60, START, END)
    status, again = await act(acting.api, body["id"], "resume")
    assert status == 409 and again["field"] == "action" and "completed" in again["reason"], again


async def test_validation_passes_then_finds_damage_done_behind_the_systems_back(acting):
    (job,) = [j for j in await get_json(acting.api, "/api/data-jobs") if j["status"] == "completed"]
    report = await validated(acting.api, job["id"])
    rows = len(in_range(lake_rows(acting.lake, "BTC/USD", "1h")))
    assert report["ok"] and report["reports"]["1h"]["rows"] == rows > 50 and report["reports"]["1h"]["failed"] == {}
    stamped = (await coverage_row(acting.api))["validated_at"]
    assert stamped is not None

    # Damage the partition directly: one candle gone, one with a close above its high.
    (path,) = (acting.lake / "candles").rglob("year=2026/*.parquet")
    table = pq.read_table(path).to_pylist()
    inside = [i for i, r in enumerate(table) if START <= r["ts"] < END]
    table[inside[10]]["close"] = table[inside[10]]["high"] * 2
    gone = table.pop(inside[20])["ts"]
    pq.write_table(pa.Table.from_pylist(table, pq.read_schema(path)), path)
    report = await validated(acting.api, job["id"])
    got = report["reports"]["1h"]
    assert not report["ok"] and got["failed"] == {"prices": 1, "missing_candle": 1}, got
    assert {p["check"] for p in got["problems"]} == {"prices", "missing_candle"}
    assert any(p["check"] == "missing_candle" and p["ts"] <= iso(gone) for p in got["problems"])
    assert (await coverage_row(acting.api))["validated_at"] == stamped  # not stamped again
    view = await get_json(acting.api, f"/api/data-jobs/{job['id']}")
    assert any(m.startswith("1h: validation failed over") for m in view["details"]["messages"])


async def test_the_candles_download_as_parquet_and_csv(acting, tmp_path):
    (job,) = [j for j in await get_json(acting.api, "/api/data-jobs") if j["status"] == "completed"]
    status, body = await act(acting.api, job["id"], "download")
    assert status == 200 and {(d["timeframe"], d["format"]) for d in body["downloads"]} == {
        ("1h", "parquet"), ("1h", "csv")}
    want = in_range(lake_rows(acting.lake, "BTC/USD", "1h"))
    links = {d["format"]: d["url"] for d in body["downloads"]}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{acting.api}{links['parquet']}") as resp:
            assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
            data = await resp.read()
            parquet = pq.read_table(io.BytesIO(data)).to_pylist()
            parquet_link = resp.headers["Link"]
        async with http.get(f"{acting.api}{links['csv']}") as resp:
            assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
            text = await resp.text()
            sidecar_url = resp.headers["Link"].split(">")[0].lstrip("<")
        async with http.get(f"{acting.api}{sidecar_url}") as resp:
            assert resp.status == 200, await resp.text()
            sidecar = await resp.json()
        async with http.get(f"{acting.api}/api/data-jobs/{job['id']}/candles?format=xlsx") as resp:
            refused = await resp.json()
            assert resp.status == 400 and refused["field"] == "format", refused
    assert parquet == want
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["ts"] for r in table] == [iso(r["ts"]) for r in want]
    assert [(float(r["close"]), float(r["volume"]), r["source"]) for r in table] == [
        (r["close"], r["volume"], r["source"]) for r in want]

    # The quality report rides in the Parquet metadata and in the sidecar the Link header names.
    assert parquet_link.startswith(f"<{sidecar_url}>") and 'rel="describedby"' in parquet_link
    report = orjson.loads(pq.read_schema(io.BytesIO(data)).metadata[b"candles.quality"])
    assert report == sidecar
    assert report["conventions"]["ts"].startswith("the candle's open time, UTC, in milliseconds")
    assert (report["start"], report["end"], report["timeframe"]) == (iso(START), iso(END), "1h")
    # The previous test damaged the partition and validated again: the latest validation failed.
    validation = report["validation"]
    assert validation["ok"] is False and validation["failed"] == {"prices": 1, "missing_candle": 1}, validation
    assert validation["job_id"] == job["id"] and validation["covers_range"] and validation["validated_at"]
    spans = report["intervals"]
    assert spans[0]["start"] == iso(START) and spans[-1]["end"] == iso(END) and report["complete"]
    assert all(a["end"] == b["start"] for a, b in zip(spans, spans[1:], strict=False))
    assert {s["state"] for s in spans} <= {"data", "no_trades"} and any(s["state"] == "data" for s in spans)

    # polars and DuckDB read the export as it is, rows and metadata.
    path = tmp_path / "candles.parquet"
    path.write_bytes(data)
    assert pl.read_parquet(path).height == len(want)
    con = duckdb.connect()
    assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0] == len(want)
    (value,) = con.execute("SELECT value FROM parquet_kv_metadata(?) WHERE key = 'candles.quality'",
                           [str(path)]).fetchone()
    assert orjson.loads(value) == report


async def test_actions_refuse_what_cannot_be_done(acting):
    (job,) = [j for j in await get_json(acting.api, "/api/data-jobs") if j["status"] == "completed"]
    status, body = await act(acting.api, job["id"], "explode")
    assert status == 422 and body["field"] == "action", body
    status, body = await act(acting.api, "00000000-0000-0000-0000-000000000000", "validate")
    assert status == 404 and body["field"] == "id", body


async def test_a_running_rebuild_is_cancelled_within_a_page_and_resumed(acting, simulator):
    start, end = NOW - timedelta(days=18), NOW - timedelta(days=6)
    pages = simulator.trades("BTC/USD", int(start.timestamp() * 1e9), int(end.timestamp() * 1e9)).n // 1000 + 1
    assert pages >= 20
    asked: list[int] = []

    async def cancel_once(event: dict) -> None:
        if event["type"] == "job.progress" and not asked:
            asked.append(simulator.stats().get("Trades", 0))
            status, body = await act(acting.api, job["id"], "cancel")
            assert status == 200 and body["status"] == "cancelled", body

    job = await submit(acting.api, {"job_type": "trade_rebuild", "exchange": "kraken", "symbol": "BTC/USD",
                                    "timeframe": "1h", "start_timestamp": iso(start), "end_timestamp": iso(end),
                                    "options": {"confirm": True}})
    events = await follow(acting.api, job["id"], on_event=cancel_once)
    assert events[-1]["type"] == "job.cancelled", events[-3:]
    await asyncio.sleep(1)  # anything the rebuilder still does after the cancel would show by now
    assert simulator.stats().get("Trades", 0) - asked[0] <= 2 < pages  # the page in hand, at most one more
    status, body = await act(acting.api, job["id"], "cancel")
    assert status == 409 and "cancelled" in body["reason"], body

    status, resumed = await act(acting.api, job["id"], "resume")
    assert status == 201 and resumed["resumed_from"] == job["id"], resumed
    events = await follow(acting.api, resumed["id"])
    assert events[-1]["type"] == "job.completed", events[-3:]
    assert close_enough(rebuilt(lake_rows(acting.lake, "BTC/USD", "1h"), start, end),
                        truth(simulator, "BTC/USD", 60, start, end))


async def test_new_candles_in_a_validated_row_clear_its_validated_at(acting):
    """`validated_at` vouches for the candles that were validated: it used to stay set after new ones
    landed in the same coverage row."""
    rebuilds = [j for j in await get_json(acting.api, "/api/data-jobs")
                if j["status"] == "completed" and j["job_type"] == "trade_rebuild"]
    report = await validated(acting.api, rebuilds[0]["id"])
    assert report["ok"], report
    assert (await coverage_row(acting.api))["validated_at"] is not None

    start = NOW - timedelta(days=24)
    job = await submit(acting.api, {**REQUEST, "start_timestamp": iso(start), "end_timestamp": iso(start + timedelta(days=2))})
    events = await follow(acting.api, job["id"])
    assert events[-1]["type"] == "job.completed", events[-3:]
    assert (await coverage_row(acting.api))["validated_at"] is None
