"""Plain trading-history CSVs as a dump source: which files serve a pair, and the part of a rebuild
they vouch for (never the seconds where they may have been cut)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.kraken.dumps.trade_csv import csv_files, csv_stretches, extent_s, is_csv_source
from shared.kraken.dumps.trade_stretches import coverage, quarter_at_or_after_ms


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def write(path, first_s: int, last_s: int, header: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{t},100.5,0.25" for t in range(first_s, last_s + 1, 60)] + [f"{last_s},100.5,0.25"]
    path.write_text(("timestamp,price,volume\n" if header else "") + "\n".join(rows) + "\n")


def test_a_csv_file_or_a_folder_of_them_is_a_csv_source_and_zips_are_not(tmp_path):
    write(tmp_path / "csv" / "XBTUSD.csv", 0, 600)
    write(tmp_path / "csv" / "ETHUSD.csv", 0, 600)
    (tmp_path / "zips").mkdir()
    (tmp_path / "zips" / "Kraken_Trading_History.zip").write_bytes(b"PK")
    assert is_csv_source(str(tmp_path / "csv")) and is_csv_source(str(tmp_path / "csv" / "XBTUSD.csv"))
    assert not is_csv_source(str(tmp_path / "zips")) and not is_csv_source("https://example.com/x.csv")
    assert not is_csv_source(str(tmp_path / "nothing-here"))
    assert [p.name for p in csv_files(str(tmp_path / "csv"), "xbtusd")] == ["XBTUSD.csv"]


def test_the_extent_skips_a_header_and_reads_the_last_row(tmp_path):
    path = tmp_path / "XBTUSD.csv"
    write(path, 1_700_000_000, 1_700_090_000, header=True)
    assert extent_s(path) == (1_700_000_000, 1_700_090_000)
    empty = tmp_path / "ETHUSD.csv"
    empty.write_text("")
    assert extent_s(empty) is None


def test_a_plain_csv_vouches_strictly_inside_its_rows_and_a_quarter_folder_for_its_quarter(tmp_path):
    first, last = ms("2026-09-01T00:00:00") // 1000, ms("2026-09-30T12:00:00") // 1000
    write(tmp_path / "plain" / "XBTUSD.csv", first, last)
    got = csv_stretches(str(tmp_path / "plain"), "XBTUSD", ms("2026-09-10T00:00:00"), ms("2026-10-05T00:00:00"))
    assert [(s.member, s.start_ms, s.end_ms) for s in got] == [(None, ms("2026-09-10T00:00:00"), last * 1000)]
    assert csv_stretches(str(tmp_path / "plain"), "XBTUSD", first * 1000, ms("2026-10-05T00:00:00")) == []

    write(tmp_path / "q" / "Kraken_Trading_History_Q3_2026" / "XBTUSD.csv", first, last)
    (got,) = csv_stretches(str(tmp_path / "q"), "XBTUSD", ms("2026-09-10T00:00:00"), ms("2026-10-05T00:00:00"))
    assert got.end_ms == ms("2026-10-01T00:00:00") and got.artifact.endswith("XBTUSD.csv")


def test_the_full_file_ends_at_the_first_quarter_boundary_at_or_after_its_last_trade():
    assert quarter_at_or_after_ms(ms("2026-09-30T23:59:59")) == ms("2026-10-01T00:00:00")
    assert quarter_at_or_after_ms(ms("2026-10-01T00:00:00")) == ms("2026-10-01T00:00:00")
    assert coverage("Kraken_Trading_History.zip", 0, ms("2026-07-01T00:00:00")) == (0, ms("2026-07-01T00:00:00"))
