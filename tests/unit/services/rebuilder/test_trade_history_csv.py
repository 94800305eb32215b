"""Reading Kraken's trading-history CSV: with or without header, plain or inside a ZIP, streamed."""

from __future__ import annotations

import zipfile

import polars as pl
import pytest

from services.rebuilder.trade_history_csv import has_header, import_dump, iter_trade_batches
from tests.paths import KRAKEN_DATA

DUMP = KRAKEN_DATA / "trades_dump" / "q2" / "BCHEUR.csv"
END_MS = 1672704000_000  # 2023-01-03 00:00 UTC, the end of the file's day


def _all(batches) -> pl.DataFrame:
    return pl.concat(list(batches))


@pytest.fixture()
def expected() -> pl.DataFrame:
    rows = [line.split(",") for line in DUMP.read_text().split()]
    return pl.DataFrame(
        {
            "ts": [int(r[0]) * 1_000_000_000 for r in rows],
            "price": [float(r[1]) for r in rows],
            "volume": [float(r[2]) for r in rows],
        }
    )


@pytest.mark.parametrize("header", [b"", b"timestamp,price,volume\n", b"\xef\xbb\xbfunix,price,volume\n"])
def test_header_or_not_plain_file(tmp_path, expected, header):
    path = tmp_path / "BCHEUR.csv"
    path.write_bytes(header + DUMP.read_bytes())
    got = _all(iter_trade_batches(path, batch_rows=50))
    assert got.height == 486
    assert got.equals(expected)


@pytest.mark.parametrize("header", [b"", b"timestamp,price,volume\n"])
def test_zip_member_streams_in_small_chunks(tmp_path, expected, header):
    archive = tmp_path / "Kraken_Trading_History.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("XBTUSD.csv", b"1,2.0,3.0\n")
        z.writestr("BCHEUR.csv", header + DUMP.read_bytes())
    # Chunks far smaller than the file cut lines anywhere; every row must still come through whole.
    got = _all(iter_trade_batches(archive, member="BCHEUR.csv", chunk_bytes=97))
    assert got.equals(expected)
    assert not any(p.name != archive.name for p in tmp_path.iterdir())  # nothing unpacked to disk
    from_zip = list(import_dump(archive, ["5m", "1h"], END_MS, member="BCHEUR.csv"))
    from_file = list(import_dump(DUMP, ["5m", "1h"], END_MS))
    assert [(tf, t.to_pylist()) for tf, t in from_zip] == [(tf, t.to_pylist()) for tf, t in from_file]


def test_time_window_filter(expected):
    start, end = 1672630000, 1672680000
    got = _all(iter_trade_batches(DUMP, start_s=start, end_s=end, batch_rows=64))
    want = expected.filter((pl.col("ts") >= start * 10**9) & (pl.col("ts") < end * 10**9))
    assert got.equals(want) and 0 < got.height < 486


def test_import_window_drops_buckets_cut_by_the_start():
    start_s = 1672630000  # 03:26:40, inside the 03:00 hour
    hours = [t for tf, t in import_dump(DUMP, ["1h"], END_MS, start_s=start_s)]
    first = min(t.column("ts")[0].as_py().timestamp() for t in hours)
    assert first == 1672632000  # 04:00: the 03:00 hour lacks trades before the start


def test_header_detection():
    assert not has_header(b"1672531436,90.540000,1.10448420\n")
    assert has_header(b"timestamp,price,volume\n")
    assert not has_header(b"")


def test_empty_file_yields_nothing(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert list(iter_trade_batches(path)) == []
    assert list(import_dump(path, ["1m"], END_MS)) == []
