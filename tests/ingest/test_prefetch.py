"""The reader thread hands records over in order and passes errors to the importing thread."""

from __future__ import annotations

import pytest

from triage_app.ingest.prefetch import prefetch


def test_items_arrive_in_order():
    assert list(prefetch(iter(range(10_000)))) == list(range(10_000))


def test_an_error_in_the_reader_is_raised_after_the_items_before_it():
    def source():
        yield from range(300)
        raise ValueError("truncated file")

    seen = []
    with pytest.raises(ValueError, match="truncated file"):
        for item in prefetch(source()):
            seen.append(item)
    assert seen == list(range(300))


def test_stopping_early_closes_the_source():
    closed = []

    def source():
        try:
            yield from range(1_000_000)
        finally:
            closed.append(True)

    gen = prefetch(source())
    assert next(gen) == 0
    gen.close()
    assert closed == [True]
