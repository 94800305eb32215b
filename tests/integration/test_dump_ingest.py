"""Kraken's real OHLCVT dump files, packed as Kraken ships them, ingested through the whole system: the
stored Parquet equals the CSV rows exactly, every value of every row."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.client import follow, get_json, lake_rows, submit
from tests.integration.real_dumps import FILES, REAL, csv_rows
from tests.integration.system import isolated_system
from tests.integration.times import iso

STEP_S = {"1h": 3600, "1m": 60}
BROKEN, MALFORMED = "Kraken_OHLCVT_Q2_2023.zip", "Kraken_OHLCVT_Q3_2023.zip"


@pytest.fixture(scope="module")
def dump_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("real-ohlcvt")
    for name, member, source, _, _ in FILES:
        with zipfile.ZipFile(folder / name, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(source, member)
    # A file that is no ZIP at all, as a broken download would leave it, and one whose member has a
    # malformed row: both are reported and skipped, and nothing of them is cached.
    (folder / BROKEN).write_bytes(b"PK\x03\x04 this is not really a zip file" * 40)
    lines = (REAL / "quarter_2023Q1_1m" / "XBTUSDC_1.csv").read_text().splitlines()
    lines[100] = lines[100].replace(",", ";", 2)
    with zipfile.ZipFile(folder / MALFORMED, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("XBTUSDC_1.csv", "\n".join(lines))
    return folder


@pytest.fixture(scope="module")
async def ingest(simulator, dump_folder, tmp_path_factory):
    async with isolated_system(simulator.url, tmp_path_factory, KRAKEN_OHLCVT_SOURCE=str(dump_folder),
                               ENABLED_MARKETS='["BTC/USD", "ETH/USD", "BTC/USDC"]', BATCH_ROWS="5000") as system:
        yield system


async def _wait_for_market(api: str, symbol: str) -> None:
    import asyncio

    for _ in range(100):
        if any(m["symbol"] == symbol for m in await get_json(api, "/api/markets?exchange=kraken")):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{symbol} never became an enabled market")


@pytest.mark.parametrize(("name", "member", "source", "symbol", "timeframe"), FILES)
async def test_real_dump_rows_are_stored_exactly(ingest, name, member, source, symbol, timeframe):
    await _wait_for_market(ingest.api, symbol)
    want = csv_rows(source)
    start_ms, end_ms = want[0][0], want[-1][0] + STEP_S[timeframe] * 1000
    start, end = (datetime.fromtimestamp(t / 1000, UTC) for t in (start_ms, end_ms))
    job = await submit(ingest.api, {"exchange": "kraken", "symbol": symbol, "timeframe": timeframe,
                                    "start_timestamp": iso(start), "end_timestamp": iso(end)})
    events = await follow(ingest.api, job["id"])
    view = await get_json(ingest.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed", (view, ingest.logs())
    assert [s["kind"] for s in view["result"]["plan"]["segments"]] == ["zip"]
    assert view["result"]["exchange_calls"] <= 3  # markets and Kraken's clock; no OHLC, no Trades
    messages = [e["data"]["text"] for e in events if e["type"] == "job.message"]
    assert any(m.startswith(f"Skipped {BROKEN}: ") and "not a readable ZIP" in m for m in messages), messages
    assert any(m.startswith(f"Skipped {MALFORMED}: ") and "line 101" in m for m in messages), messages

    rows = [r for r in lake_rows(ingest.lake, symbol, timeframe) if start <= r["ts"] < end]
    got = [(int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"], r["trades"])
           for r in rows]
    assert got == want
    assert {r["source"] for r in rows} == {"zip"} and all(r["vwap"] is None for r in rows)



async def test_bad_files_are_not_cached_and_a_missing_member_is_reported(ingest, simulator):
    cached = {d["name"] for d in await get_json(ingest.api, "/api/dumps")}
    assert cached == {"Kraken_OHLCVT.zip", "Kraken_OHLCVT_Q1_2023.zip"}
    raw = ingest.lake / "raw" / "kraken" / "ohlcvt"
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        [n for c in cached for n in (c, f"{c}.manifest.json")])
    await _wait_for_market(ingest.api, "BTC/USDC")
    start = datetime(2023, 2, 1, tzinfo=UTC)
    job = await submit(ingest.api, {"exchange": "kraken", "symbol": "BTC/USDC", "timeframe": "5m",
                                    "start_timestamp": iso(start), "end_timestamp": iso(start + timedelta(hours=6))})
    events = await follow(ingest.api, job["id"])
    view = await get_json(ingest.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed", view
    assert [s["kind"] for s in view["result"]["plan"]["segments"]] == ["trades"]
    assert any("No cached OHLCVT dump has XBTUSDC_5.csv" in e["data"]["text"] for e in events
               if e["type"] == "job.message")
