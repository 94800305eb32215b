"""A dump member staged for the writer: one Parquet file per calendar year (the lake's partitions),
written as the member streams by and renamed into place only when whole."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from shared.kraken.dumps.ohlcvt import iter_member_candles
from shared.lake.schema import PARQUET_OPTIONS, SCHEMA
from shared.platform.read_ahead import read_ahead


@dataclass(frozen=True)
class StagedYear:
    year: int
    path: Path
    rows: int
    first_ms: int
    last_ms: int


class _Year:
    def __init__(self, out_dir: Path, year: int) -> None:
        self.year, self.rows, self.first, self.last = year, 0, None, None
        self.final = out_dir / f"year={year}.parquet"
        self.tmp = out_dir / f".year={year}.parquet.tmp"
        self.writer = pq.ParquetWriter(self.tmp, SCHEMA, **PARQUET_OPTIONS)

    def write(self, table) -> None:
        ts = table.column("ts").cast("int64")
        self.first = ts[0].as_py() if self.first is None else self.first
        self.last = ts[-1].as_py()
        self.rows += table.num_rows
        self.writer.write_table(table)

    def finish(self) -> StagedYear:
        self.writer.close()
        os.replace(self.tmp, self.final)
        return StagedYear(self.year, self.final, self.rows, self.first, self.last)

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        self.tmp.unlink(missing_ok=True)


def stage_member(zip_path: Path, member: str, start_ms: int | None, end_ms: int | None,
                 out_dir: Path) -> list[StagedYear]:
    open_year: _Year | None = None
    done: list[StagedYear] = []
    try:
        for table in read_ahead(iter_member_candles(zip_path, member, start_ms, end_ms)):
            if not table.num_rows:
                continue
            year_of = pc.year(table.column("ts"))
            first, last = year_of[0].as_py(), year_of[-1].as_py()
            for year in range(first, last + 1):
                part = table if first == last else table.filter(pc.equal(year_of, year))
                if not part.num_rows:
                    continue
                if open_year is None or open_year.year != year:
                    if open_year is not None:  # rows rise in time: a year once left is complete
                        done.append(open_year.finish())
                    open_year = _Year(Path(out_dir), year)
                open_year.write(part)
    except BaseException:
        if open_year is not None:
            open_year.abandon()
        for staged in done:
            staged.path.unlink(missing_ok=True)
        raise
    return done + ([open_year.finish()] if open_year is not None else [])
