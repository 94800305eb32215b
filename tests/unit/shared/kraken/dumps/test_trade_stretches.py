"""Which trading-history dump files a rebuild reads, and where the Trades API takes over."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.kraken.dumps.trade_stretches import DumpStretch, chain, chain_spans, coverage, next_quarter_ms


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_quarters_and_the_full_files_cut_off():
    assert next_quarter_ms(ms("2024-02-10T05:00:00")) == ms("2024-04-01T00:00:00")
    assert next_quarter_ms(ms("2024-12-31T23:59:59")) == ms("2025-01-01T00:00:00")
    assert coverage("Kraken_Trading_History_Q3_2026.zip", 0, 0) == (ms("2026-07-01T00:00:00"), ms("2026-10-01T00:00:00"))
    # The full file holds everything from the listing to the quarter boundary after its last trade.
    assert coverage("Kraken_Trading_History.zip", ms("2013-10-06T21:00:00"), ms("2026-09-30T23:59:58")) == (
        0, ms("2026-10-01T00:00:00"))


def test_files_are_chained_from_the_start_and_the_api_takes_over_after_the_last():
    files = [("Kraken_Trading_History.zip", "raw/full", "XBTUSD.csv", ms("2013-10-06T00:00:00"), ms("2026-03-31T10:00:00")),
             ("Kraken_Trading_History_Q2_2026.zip", "raw/q2", "XBTUSD.csv", 0, 0)]
    got = chain(files, ms("2026-03-01T00:00:00"), ms("2026-08-01T00:00:00"))
    assert got == [DumpStretch("Kraken_Trading_History.zip", "raw/full", "XBTUSD.csv", ms("2026-03-01T00:00:00"),
                               ms("2026-04-01T00:00:00")),
                   DumpStretch("Kraken_Trading_History_Q2_2026.zip", "raw/q2", "XBTUSD.csv", ms("2026-04-01T00:00:00"),
                               ms("2026-07-01T00:00:00"))]
    assert chain(files, ms("2026-07-02T00:00:00"), ms("2026-08-01T00:00:00")) == []
    inside = chain(files, ms("2026-05-01T00:00:00"), ms("2026-05-02T00:00:00"))
    assert [(s.name, s.end_ms) for s in inside] == [("Kraken_Trading_History_Q2_2026.zip", ms("2026-05-02T00:00:00"))]


def test_with_skip_gaps_a_stretch_no_file_covers_is_stepped_over():
    spans = [("full", "raw/full", "XBTUSD_60.csv", ms("2026-01-01T00:00:00"), ms("2026-03-01T00:00:00")),
             ("q2", "raw/q2", "XBTUSD_60.csv", ms("2026-04-03T00:00:00"), ms("2026-07-01T00:00:00"))]
    start, end = ms("2025-12-01T00:00:00"), ms("2026-05-01T00:00:00")
    assert chain_spans(spans, start, end) == []  # the hand-over chain stops where no file reaches
    got = chain_spans(spans, start, end, skip_gaps=True)
    assert [(s.name, s.start_ms, s.end_ms) for s in got] == [
        ("full", ms("2026-01-01T00:00:00"), ms("2026-03-01T00:00:00")),
        ("q2", ms("2026-04-03T00:00:00"), ms("2026-05-01T00:00:00"))]
