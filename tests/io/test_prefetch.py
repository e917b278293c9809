"""prefetch: same items, same order; errors arrive in order; closing early stops the producer."""

from __future__ import annotations

import threading

import pytest

from xentcli.io.prefetch import prefetch


def test_same_items_in_order():
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))
    assert list(prefetch(iter([]))) == []


def test_an_error_arrives_after_the_items_before_it():
    def failing():
        yield 1
        yield 2
        raise ValueError("broken batch")

    seen = []
    with pytest.raises(ValueError, match="broken batch"):
        for item in prefetch(failing()):
            seen.append(item)
    assert seen == [1, 2]


def test_closing_early_stops_the_producer():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    stream = prefetch(endless(), depth=2)
    assert next(stream) == 0
    stream.close()
    count = len(produced)
    assert count < 10  # it stopped, a few items ahead at most
    assert not any(t.name == "xentcli-prefetch" for t in threading.enumerate())
