"""The client's pure parts: the requests it builds, times as the API takes them, the event stream
read line by line, the API's errors, the ETA, and the CLI's arguments and exit codes."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from candles_client import ApiError, Client
from candles_client import operations as ops
from candles_client.cli.eta import Eta, clock
from candles_client.cli.main import parser, run
from candles_client.errors import from_answer
from candles_client.sse import EventParser


def test_times_are_utc_iso_to_the_second():
    assert ops.iso("2024-01-01") == ops.iso(date(2024, 1, 1)) == "2024-01-01T00:00:00Z"
    assert ops.iso(datetime(2024, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))) == "2024-01-01T00:00:00Z"
    assert ops.iso(datetime(2024, 1, 1, 2)) == "2024-01-01T02:00:00Z"  # naive: UTC
    assert ops.iso("2024-03-01T12:30:00Z") == "2024-03-01T12:30:00Z"
    with pytest.raises(ValueError):
        ops.iso("soon")


def test_a_job_body_names_only_what_differs_and_a_batch_its_lists():
    body = ops.job_body("kraken", "BTC/USD", "1m", "2024-01-01", "2024-07-01")
    assert body == {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m",
                    "start_timestamp": "2024-01-01T00:00:00Z", "end_timestamp": "2024-07-01T00:00:00Z", "options": {}}
    batch = ops.job_body("kraken", ["BTC/USD", "ETH/USD"], ["1h", "1d"], None, "2024-07-01", full_history=True,
                         seed_from_zip=False, confirm=True)
    assert batch["symbols"] == ["BTC/USD", "ETH/USD"] and batch["timeframes"] == ["1h", "1d"]
    assert "symbol" not in batch and "timeframe" not in batch and "start_timestamp" not in batch  # one or the other
    assert ops.job_body("kraken", ["BTC/USD"], ["1h", "1d"], "2024-01-01", "2024-02-01")["symbol"] == "BTC/USD"
    assert batch["options"] == {"full_history": True, "seed_from_zip": False, "confirm": True}
    assert ops.plan("kraken", "BTC/USD", "1h", "2024-01-01", "2024-01-02").json["options"] == {"dry_run": True}


def test_a_batch_plan_shows_its_children():
    from rich.console import Console

    from candles_client.cli.commands import show_plan
    from candles_client.models import Plan

    plan = Plan.model_validate({
        "job_type": "batch", "exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1m", "calls": 40,
        "needs_confirm": False, "start_timestamp": "2020-01-01T00:00:00Z", "end_timestamp": "2026-01-01T00:00:00Z",
        "symbols": ["BTC/USD"], "totals": {"children": 2, "calls": 40, "rows": 9, "seconds": 3725.0},
        "children": [{"job_type": "fetch", "symbol": "BTC/USD", "timeframes": ["1m"], "calls": c, "rows": 4,
                      "seconds": 1.0, "weight": 1, "start_timestamp": s, "end_timestamp": e}
                     for c, s, e in ((30, "2020-01-01T00:00:00Z", "2024-12-31T00:00:00Z"),
                                     (10, "2024-12-31T00:00:00Z", "2026-01-01T00:00:00Z"))]})
    console = Console(record=True, width=150)
    show_plan(console, plan)
    text = console.export_text()
    assert "plan: batch of 2 jobs" in text and text.count("fetch BTC/USD 1m") == 2
    assert "cost: 40 Kraken calls, about 1:02:05 at the rate limit" in text


def test_the_event_stream_is_read_event_by_event():
    parser, event = EventParser(), {"job_id": "j", "seq": 3, "type": "job.progress", "ts": "2026-11-20T00:00:00Z",
                                    "data": {"progress": 0.5}}
    lines = [": ping", "event: job.progress", "id: 3", f"data: {json.dumps(event)}", ""]
    got = [parser.feed(line) for line in lines]
    assert got[:-1] == [None] * 4 and got[-1].seq == 3 and got[-1].data == {"progress": 0.5}
    assert not got[-1].terminal and parser.feed("") is None


def test_an_error_answer_names_its_field_and_reason():
    error = from_answer(422, b'{"error": "invalid_request", "field": "end_timestamp", "reason": "must be after"}')
    assert (error.status, error.field, error.reason, str(error)) == (422, "end_timestamp", "must be after",
                                                                      "end_timestamp: must be after")
    proxy = from_answer(502, b"<html>Bad gateway</html>")
    assert proxy.field == "body" and "HTTP 502" in proxy.reason


def test_the_client_sends_the_token_and_raises_the_refusal():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"error": "not_found", "field": "id", "reason": "no such job"})

    with Client("http://api.test", "secret", transport=httpx.MockTransport(answer)) as client, \
            pytest.raises(ApiError) as caught:
        client.job("abc")
    assert seen[0].headers["Authorization"] == "Bearer secret" and seen[0].url.path == "/api/data-jobs/abc"
    assert (caught.value.status, caught.value.field) == (404, "id")


def test_eta_follows_the_recent_rate():
    eta = Eta(window_s=60)
    assert eta.remaining() is None
    eta.update(0, 0.0)
    eta.update(10, 0.1)
    assert eta.remaining() == pytest.approx(90)
    for t in range(20, 200, 10):  # faster now: 2 % a second
        eta.update(t, 0.1 + (t - 10) * 0.002)
    assert eta.remaining() == pytest.approx((1 - eta.samples[-1][1]) / 0.002)
    eta.update(300, 1.0)
    assert eta.remaining() == 0 and clock(3725) == "1:02:05" and clock(None) == "-:--:--"


def test_the_cli_takes_the_issue_s_example_and_refuses_a_bad_time(capsys):
    args = parser().parse_args(["fetch", "kraken", "BTC/USD", "--timeframe", "1m", "--start", "2024-01-01",
                                "--end", "2024-07-01"])
    assert (args.symbols, args.timeframes, args.start, args.yes) == (["BTC/USD"], ["1m"], "2024-01-01T00:00:00Z", False)
    with pytest.raises(SystemExit) as exited:
        run(["fetch", "kraken", "BTC/USD", "-t", "1m", "--start", "someday", "--end", "2024-07-01"])
    assert exited.value.code == 2 and "not a date" in capsys.readouterr().err


def _event(seq: int, kind: str = "job.progress") -> bytes:
    body = {"job_id": "j", "seq": seq, "type": kind, "ts": "2026-11-20T00:00:00Z", "data": {}}
    return f"event: {kind}\nid: {seq}\ndata: {json.dumps(body)}\n\n".encode()


def test_follow_resumes_a_dropped_stream_after_the_last_event_it_got():
    asked = []

    def stream(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers["Last-Event-ID"])
        if len(asked) == 1:
            def broken():
                yield _event(1) + _event(2)
                raise httpx.ReadError("connection reset")
            return httpx.Response(200, content=broken(), headers={"Content-Type": "text/event-stream"})
        return httpx.Response(200, content=_event(3) + _event(4, "job.completed"))

    with Client("http://api.test", transport=httpx.MockTransport(stream)) as client:
        events = list(client.follow("j"))
    assert [e.seq for e in events] == [1, 2, 3, 4] and events[-1].terminal and asked == ["0", "2"]


def test_a_download_is_written_whole_or_not_at_all(tmp_path):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["format"] == "csv":
            return httpx.Response(200, content=b"ts,open\n")
        return httpx.Response(404, json={"error": "not_found", "field": "timeframe", "reason": "not stored"})

    with Client("http://api.test", transport=httpx.MockTransport(answer)) as client:
        path = client.download("j", tmp_path / "sub" / "c.csv", "csv")
        assert path.read_bytes() == b"ts,open\n"
        with pytest.raises(ApiError) as caught:
            client.download("j", tmp_path / "c.parquet", timeframe="1h")
    assert caught.value.field == "timeframe" and sorted(p.name for p in tmp_path.iterdir()) == ["sub"]
