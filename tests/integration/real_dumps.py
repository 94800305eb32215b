"""Kraken's real OHLCVT files in tests/data, the ZIPs they are packed into, and their rows as the lake
stores them."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.paths import KRAKEN_DATA

REAL = KRAKEN_DATA / "ohlcvt"
# (ZIP name, member, source file, symbol, timeframe)
FILES = [
    ("Kraken_OHLCVT.zip", "XBTUSD_60.csv", REAL / "dump_2020Q3_hourly" / "XBTUSD_60.csv", "BTC/USD", "1h"),
    ("Kraken_OHLCVT.zip", "ETHUSD_60.csv", REAL / "dump_2020Q3_hourly" / "ETHUSD_60.csv", "ETH/USD", "1h"),
    ("Kraken_OHLCVT_Q1_2023.zip", "XBTUSDC_1.csv", REAL / "quarter_2023Q1_1m" / "XBTUSDC_1.csv", "BTC/USDC", "1m"),
]


def csv_rows(path: Path) -> list[tuple]:
    with path.open() as f:
        return [(int(r[0]) * 1000, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]), int(r[6]))
                for r in csv.reader(f)]
