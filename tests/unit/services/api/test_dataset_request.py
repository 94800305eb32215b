"""A dataset request, canonical: the same markets and timeframes in any order, or repeated, are the same
request; a file holds whole buckets only; the loader snippets stay within three lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.api.datasets.requests import DatasetRequest, bucket_range
from services.api.datasets.views import snippets

BASE = {"name": "n", "exchange": "kraken", "start_timestamp": "2026-11-01T00:30:00Z",
        "end_timestamp": "2026-11-03T12:00:00Z"}


def test_symbols_and_timeframes_are_canonical_whatever_their_order():
    one = DatasetRequest(**BASE, symbols=["ETH/USD", "BTC/USD", "ETH/USD"], timeframes=["1d", "1m", "1h"])
    other = DatasetRequest(**BASE, symbols=["BTC/USD", "ETH/USD"], timeframes=["1h", "1d", "1m", "1m"])
    assert one.canonical_symbols() == other.canonical_symbols() == ["BTC/USD", "ETH/USD"]
    assert one.canonical_timeframes() == other.canonical_timeframes() == ["1m", "1h", "1d"]


def test_a_file_holds_the_whole_buckets_inside_the_range():
    start, end = datetime(2026, 11, 1, 0, 30, tzinfo=UTC), datetime(2026, 11, 3, 12, tzinfo=UTC)
    lo, hi = bucket_range("1d", start, end)
    assert (lo, hi) == (int(datetime(2026, 11, 2, tzinfo=UTC).timestamp() * 1000),
                        int(datetime(2026, 11, 3, tzinfo=UTC).timestamp() * 1000))
    assert bucket_range("1h", start, end)[0] == int(datetime(2026, 11, 1, 1, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize("bad", [{"symbols": []}, {"timeframes": ["1h"] * 10}, {"options": {"require": "most"}},
                                 {"extra": 1}, {"name": "\x00"}])
def test_a_request_out_of_shape_is_refused(bad):
    with pytest.raises(ValidationError):
        DatasetRequest.model_validate({**BASE, "symbols": ["BTC/USD"], "timeframes": ["1h"], **bad})


def test_snippets_are_three_lines_each_and_name_every_file():
    urls = {f"{s}_{t}.parquet": f"http://h/api/datasets/x/files/{s}_{t}.parquet" for s in ("BTC-USD", "ETH-USD")
            for t in ("1h", "1d")}
    for code in snippets(urls).model_dump().values():
        assert len(code.splitlines()) == 3 and all(url in code for url in urls.values())
        compile(code, "<snippet>", "exec")
