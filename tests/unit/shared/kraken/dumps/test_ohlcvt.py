"""Reading Kraken's OHLCVT dump members: the real files value for value, with or without a header,
a time window, and a clear error for every kind of bad file."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from services.fetcher.ohlcvt_stage import stage_member
from shared.kraken.dumps.csv_rows import DumpError
from shared.kraken.dumps.ohlcvt import iter_member_candles, parse_member, scan_zip
from tests.paths import KRAKEN_DATA

REAL = KRAKEN_DATA / "ohlcvt"
FILES = {"XBTUSD_60.csv": REAL / "dump_2020Q3_hourly" / "XBTUSD_60.csv",
         "ETHUSD_60.csv": REAL / "dump_2020Q3_hourly" / "ETHUSD_60.csv",
         "XBTUSDC_1.csv": REAL / "quarter_2023Q1_1m" / "XBTUSDC_1.csv"}


def csv_rows(text: str) -> list[tuple]:
    return [(int(r[0]) * 1000, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]), int(r[6]))
            for r in csv.reader(text.splitlines())]


def zipped(tmp_path: Path, members: dict[str, str], name: str = "Kraken_OHLCVT.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, text in members.items():
            zf.writestr(member, text)
    return path


def stored(tables) -> list[tuple]:
    return [(int(r["ts"].timestamp() * 1000), r["open"], r["high"], r["low"], r["close"], r["volume"], r["trades"])
            for t in tables for r in t.to_pylist()]


@pytest.mark.parametrize("member", sorted(FILES))
def test_real_members_are_read_exactly(tmp_path, member):
    text = FILES[member].read_text()
    path = zipped(tmp_path, {member: text})
    tables = list(iter_member_candles(path, member))
    assert stored(tables) == csv_rows(text)
    assert all(t.column("source").to_pylist() == ["zip"] * t.num_rows for t in tables)
    assert all(t.column("vwap").null_count == t.num_rows for t in tables)


def test_a_header_line_is_recognised(tmp_path):
    body = FILES["XBTUSD_60.csv"].read_text().splitlines()[:50]
    path = zipped(tmp_path, {"XBTUSD_60.csv": "time,open,high,low,close,volume,trades\n" + "\n".join(body)})
    assert stored(iter_member_candles(path, "XBTUSD_60.csv")) == csv_rows("\n".join(body))


def test_a_window_keeps_only_its_candles(tmp_path):
    text = FILES["XBTUSDC_1.csv"].read_text()
    rows = csv_rows(text)
    lo, hi = rows[1000][0], rows[2000][0]
    got = stored(iter_member_candles(zipped(tmp_path, {"XBTUSDC_1.csv": text}), "XBTUSDC_1.csv", lo, hi))
    assert got == [r for r in rows if lo <= r[0] < hi]


def test_scan_gives_each_members_extent(tmp_path):
    path = zipped(tmp_path, {m: FILES[m].read_text() for m in ("XBTUSD_60.csv", "XBTUSDC_1.csv")} | {"README": "x"})
    extents = {e.member: e for e in scan_zip(path)}
    assert set(extents) == {"XBTUSD_60.csv", "XBTUSDC_1.csv"}
    usdc = extents["XBTUSDC_1.csv"]
    rows = csv_rows(FILES["XBTUSDC_1.csv"].read_text())
    assert (usdc.altname, usdc.minutes, usdc.rows, usdc.first_ms, usdc.last_ms) == (
        "XBTUSDC", 1, len(rows), rows[0][0], rows[-1][0])
    assert parse_member("XBTUSD.csv") == ("XBTUSD", None)


def test_staging_splits_by_year_and_nothing_else_is_left(tmp_path):
    text = FILES["XBTUSD_60.csv"].read_text()
    out = tmp_path / "out"
    out.mkdir()
    staged = stage_member(zipped(tmp_path, {"XBTUSD_60.csv": text}), "XBTUSD_60.csv", None, None, out)
    assert [s.year for s in staged] == list(range(2013, 2021))
    assert sum(s.rows for s in staged) == len(csv_rows(text))
    assert sorted(p.name for p in out.iterdir()) == sorted(f"year={y}.parquet" for y in range(2013, 2021))
    assert stored([pq.read_table(s.path) for s in staged]) == csv_rows(text)


def test_a_corrupt_zip_is_a_clear_error(tmp_path):
    good = zipped(tmp_path, {"XBTUSD_60.csv": FILES["XBTUSD_60.csv"].read_text()})
    broken = tmp_path / "broken.zip"
    data = bytearray(good.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\x00" * 64  # damage inside the compressed member
    broken.write_bytes(bytes(data))
    with pytest.raises(DumpError, match="XBTUSD_60.csv"):
        list(iter_member_candles(broken, "XBTUSD_60.csv"))
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(DumpError, match="not a readable ZIP"):
        list(iter_member_candles(truncated, "XBTUSD_60.csv"))


def test_a_missing_member_names_what_there_is(tmp_path):
    path = zipped(tmp_path, {"XBTUSD_60.csv": "1381093200,122,122,122,122,0.1,1\n"})
    with pytest.raises(DumpError, match=r"no member ETHUSD_60.csv \(it has XBTUSD_60.csv\)"):
        list(iter_member_candles(path, "ETHUSD_60.csv"))


def test_a_malformed_row_names_its_line_and_stages_nothing(tmp_path):
    lines = FILES["XBTUSD_60.csv"].read_text().splitlines()
    lines[30_000] = "1600000000,10000.1,oops,9000,9500,1.5,3"
    path = zipped(tmp_path, {"XBTUSD_60.csv": "\n".join(lines)})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DumpError, match="line 30001: 'oops' is not a number"):
        stage_member(path, "XBTUSD_60.csv", None, None, out)
    assert list(out.iterdir()) == []
    short = zipped(tmp_path, {"XBTUSD_60.csv": "1381093200,122,122,122,122,0.1,1\n1381096800,122,122\n"}, "s.zip")
    with pytest.raises(DumpError, match="line 2: expected 7 columns, got 3"):
        list(iter_member_candles(short, "XBTUSD_60.csv"))


def test_rows_out_of_time_order_are_refused(tmp_path):
    path = zipped(tmp_path, {"XBTUSD_60.csv": "1381096800,1,1,1,1,1,1\n1381093200,1,1,1,1,1,1\n"})
    with pytest.raises(DumpError, match="rising time order"):
        list(iter_member_candles(path, "XBTUSD_60.csv"))
