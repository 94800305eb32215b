"""One member of Kraken's OHLCVT dump ZIP (`<ALTNAME>_<minutes>.csv`: unix_s, open, high, low, close,
volume, trades; no header, though some copies add one) read as lake candles.

Members reach gigabytes, so nothing is unpacked or read whole: pyarrow's streaming CSV reader pulls
blocks straight out of the ZIP's decompressing stream. A bad row is found again line by line only
when the fast reader has refused a block, so the error can name the line."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from shared.kraken.dumps.csv_rows import DumpError, find_bad_line, has_header
from shared.lake.schema import SCHEMA

NAMES = ["ts", "open", "high", "low", "close", "volume", "trades"]
TRADE_NAMES = ["ts", "price", "volume"]  # a trading-history member, scanned for its extent
TYPES = {"ts": pa.int64(), "open": pa.float64(), "high": pa.float64(), "low": pa.float64(),
         "close": pa.float64(), "volume": pa.float64(), "trades": pa.int64(), "price": pa.float64()}
MEMBER = re.compile(r"^(?:.*/)?([A-Z0-9.]+?)(?:_(\d+))?\.csv$", re.IGNORECASE)
BLOCK_BYTES = 16 << 20


def member_name(altname: str, minutes: int) -> str:
    return f"{altname}_{minutes}.csv"


def parse_member(name: str) -> tuple[str, int | None] | None:
    """(altname, minutes) of `XBTUSD_60.csv`; minutes is None for a trading-history `XBTUSD.csv`."""
    match = MEMBER.match(name)
    return (match.group(1), int(match.group(2)) if match.group(2) else None) if match else None


def _open(zip_path: Path, member: str) -> tuple[zipfile.ZipFile, zipfile.ZipExtFile]:
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DumpError(f"{Path(zip_path).name} is not a readable ZIP: {exc}") from exc
    try:
        return archive, archive.open(member)
    except KeyError:
        have = sorted(n for n in archive.namelist() if n.endswith(".csv"))
        archive.close()
        shown = ", ".join(have[:12]) + (f" and {len(have) - 12} more" if len(have) > 12 else "")
        raise DumpError(f"{Path(zip_path).name} has no member {member} (it has {shown or 'no CSV members'})") from None


def iter_member_batches(zip_path: Path, member: str, columns: list[str] | None = None,
                        names: list[str] = NAMES) -> Iterator[pa.RecordBatch]:
    """The member's rows as typed record batches, in file order."""
    archive, stream = _open(zip_path, member)
    with archive, stream:
        header = has_header(stream.peek(4096).split(b"\n", 1)[0])
        reader_options = pacsv.ReadOptions(column_names=names, skip_rows=int(header), block_size=BLOCK_BYTES)
        convert = pacsv.ConvertOptions(column_types={n: TYPES[n] for n in names}, include_columns=columns)
        try:
            yield from pacsv.open_csv(stream, read_options=reader_options, convert_options=convert)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise DumpError(f"{Path(zip_path).name}: {member} is corrupt: {exc}") from exc
        except pa.ArrowInvalid as exc:
            bad = find_bad_line(zip_path, member, len(names))
            raise DumpError(f"{Path(zip_path).name}: {member}: {bad or exc}") from exc


def to_candles(batch: pa.RecordBatch) -> pa.Table:
    n = batch.num_rows
    ts = pc.multiply(batch.column("ts"), 1000).cast(pa.timestamp("ms", tz="UTC"))
    return pa.Table.from_arrays(
        [ts, *(batch.column(c) for c in ("open", "high", "low", "close", "volume")),
         pa.nulls(n, pa.float64()), batch.column("trades"), pa.array(["zip"] * n, pa.string())], schema=SCHEMA)


def iter_member_candles(zip_path: Path, member: str, start_ms: int | None = None,
                        end_ms: int | None = None) -> Iterator[pa.Table]:
    """Candles with start_ms <= ts < end_ms. Rows must rise in time; reading stops past end_ms."""
    last, line = None, 0
    for batch in iter_member_batches(zip_path, member):
        ts = batch.column("ts")
        if batch.num_rows and (pc.any(pc.less_equal(ts[1:], ts[:-1])).as_py() or
                               (last is not None and ts[0].as_py() <= last)):
            raise DumpError(f"{Path(zip_path).name}: {member}: rows are not in rising time order"
                            f" within rows {line + 1} to {line + batch.num_rows}")
        line += batch.num_rows
        if not batch.num_rows:
            continue
        last = ts[-1].as_py()
        table = to_candles(batch)
        if start_ms is not None and last * 1000 < start_ms:
            continue
        mask = None
        if start_ms is not None and ts[0].as_py() * 1000 < start_ms:
            mask = pc.greater_equal(ts, start_ms // 1000)
        if end_ms is not None and last * 1000 >= end_ms:
            upto = pc.less(ts, -(-end_ms // 1000))
            mask = upto if mask is None else pc.and_(mask, upto)
        yield table.filter(mask) if mask is not None else table
        if end_ms is not None and last * 1000 >= end_ms:
            return


@dataclass(frozen=True)
class MemberExtent:
    member: str
    altname: str
    minutes: int | None
    first_ms: int | None
    last_ms: int | None
    rows: int


def scan_member(zip_path: Path, member: str) -> MemberExtent:
    """First and last row and row count, reading only the time column."""
    altname, minutes = parse_member(member) or (member, None)
    first = last = None
    rows = 0
    names = NAMES if minutes is not None else TRADE_NAMES
    for batch in iter_member_batches(zip_path, member, columns=["ts"], names=names):
        if batch.num_rows:
            first = batch.column("ts")[0].as_py() if first is None else first
            last = batch.column("ts")[-1].as_py()
            rows += batch.num_rows
    return MemberExtent(member, altname, minutes, None if first is None else first * 1000,
                        None if last is None else last * 1000, rows)


def scan_zip(zip_path: Path) -> list[MemberExtent]:
    """Every CSV member named like a dump file. A member that cannot be read whole is left out and
    reported by raising: the caller decides whether to skip the file."""
    with zipfile.ZipFile(zip_path) as archive:
        members = [n for n in archive.namelist() if parse_member(n)]
    return [scan_member(zip_path, m) for m in members]
