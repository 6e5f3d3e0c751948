"""Big blocks freed go back to the system (core/memory.py): the window's ten-million-id arrays
and a search's temporaries must not stay in the heap after they are freed."""

from __future__ import annotations

import os
import sys

import pytest

from triage_app.core.memory import give_big_blocks_back

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's malloc threshold: Linux only"
)


def _resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@linux_only
def test_freed_big_blocks_leave_the_process() -> None:
    assert give_big_blocks_back() is True
    assert give_big_blocks_back() is True  # once per process; asking again changes nothing
    before = _resident_mb()
    for size in (24, 20, 16, 24, 12):  # sizes glibc's own rule would have kept in the heap
        block = bytearray(size * 2**20)  # touched: zero-filled
        assert _resident_mb() > before + size / 2
        del block
    assert _resident_mb() < before + 8
