"""Producing ahead on a thread: every item in order, errors raised to the consumer, and a consumer that
stops early neither hangs nor lets the producer run to the end."""

from __future__ import annotations

import pytest

from shared.platform.read_ahead import read_ahead


def test_items_arrive_in_order():
    assert list(read_ahead(iter(range(100)))) == list(range(100))


def test_an_error_of_the_producer_is_raised_to_the_consumer():
    def items():
        yield 1
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        list(read_ahead(items()))


def test_stopping_early_stops_the_producer():
    produced: list[int] = []

    def items():
        for i in range(10_000):
            produced.append(i)
            yield i

    for item in read_ahead(items(), depth=2):
        if item == 3:
            break
    assert len(produced) < 10
