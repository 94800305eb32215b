"""Rebuilt candles held against Kraken's real OHLCVT dump, batch by batch: the member is read forward
once, every candle it vouches for is compared, a changed or missing candle is a difference, and a
filled (synthetic) candle is no candle."""

from __future__ import annotations

import contextlib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from services.rebuilder.dump_check import DumpCheck, DumpComparison, MemberReader
from shared.kraken.dumps.ohlcvt import iter_member_candles
from shared.kraken.dumps.trade_stretches import DumpStretch
from shared.lake.schema import SCHEMA
from shared.lake.storage import LocalStorage
from tests.paths import KRAKEN_DATA

REAL = KRAKEN_DATA / "ohlcvt" / "dump_2020Q3_hourly" / "XBTUSD_60.csv"
KEY, MEMBER = "raw/kraken/ohlcvt/Kraken_OHLCVT.zip", "XBTUSD_60.csv"
H = 3_600_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def packed(root: Path) -> Path:
    path = root / KEY
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(REAL, MEMBER)
    return path


def ts_of(table: pa.Table) -> list[int]:
    return table.column("ts").cast(pa.int64()).to_pylist()


async def test_the_reader_gives_each_window_once_in_order(tmp_path):
    path = packed(tmp_path)
    lo, hi = ms("2020-06-01T00:00:00"), ms("2020-09-01T00:00:00")
    whole = pa.concat_tables(list(iter_member_candles(path, MEMBER, lo, hi)))
    reader = MemberReader(path, MEMBER, lo, hi)
    cuts = [lo, lo + 7 * H, lo + 500 * H, lo + 501 * H, hi - H, hi]
    parts = [await reader.take(a, b) for a, b in zip(cuts, cuts[1:], strict=False)]
    assert [ts_of(p) for p in parts] == [[t for t in ts_of(whole) if a <= t < b] for a, b in zip(cuts, cuts[1:],
                                                                                                    strict=False)]
    assert pa.concat_tables(parts).equals(whole) and whole.num_rows > 2000


async def test_every_candle_the_dump_vouches_for_is_compared_batch_by_batch(tmp_path):
    path = packed(tmp_path)
    lo, hi = ms("2013-11-01T00:00:00"), ms("2013-12-01T00:00:00")  # 503 of the month's 720 hours traded
    theirs = pa.concat_tables(list(iter_member_candles(path, MEMBER, lo, hi)))
    ours = theirs.to_pylist()
    changed = ours[40]["ts"]
    ours[40]["close"] *= 1.001
    ours.pop(100)
    # Filled candles (no trades) in every hour the dump has no row for: no candle on either side.
    held = set(ts_of(theirs))
    ours += [{**ours[0], "ts": datetime.fromtimestamp(t / 1000, UTC), "volume": 0.0, "trades": 0, "vwap": None}
             for t in range(lo, hi, H) if t not in held]
    assert len(ours) == 720 - 1
    ours = pa.Table.from_pylist(sorted(ours, key=lambda r: r["ts"]), schema=SCHEMA)

    comparison = DumpComparison({"1h": [DumpStretch("Kraken_OHLCVT.zip", KEY, MEMBER, lo, hi)], "5m": []})
    async with contextlib.AsyncExitStack() as stack:
        check = DumpCheck(LocalStorage(tmp_path), comparison, stack)
        edges = [lo, lo + 24 * H, lo + 25 * H, lo + 200 * H, hi]
        for a, b in zip(edges, edges[1:], strict=False):
            t = ours.column("ts").cast(pa.int64())
            await check("1h", ours.filter(pc.and_(pc.greater_equal(t, a), pc.less(t, b))), (a, b))
        told: list[tuple[str, str]] = []

        async def tell(text: str, level: str) -> None:
            told.append((text, level))

        reports = await check.tell(tell)
    report = reports["1h"]
    assert report["compared"] == theirs.num_rows - 1 and report["differing"] == 2, report
    assert (report["only_rebuilt"], report["only_kraken"]) == (0, 1)
    assert [d["ts"] for d in report["differences"]] == [changed.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert abs(report["max_rel_diff"] - 0.001 / 1.001) < 1e-9
    assert told == [(f"1h: 2 of {theirs.num_rows} candles differ from Kraken's OHLCVT dump (0 only rebuilt,"
                     f" 1 only at Kraken; largest relative difference {report['max_rel_diff']:.3g})", "warning")]
