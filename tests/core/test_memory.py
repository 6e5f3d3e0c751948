"""Big blocks freed go back to the system (core/memory.py): the window's ten-million-id arrays
and a search's temporaries must not stay in the heap after they are freed. Checked in a fresh
process each time: a test worker's heap already holds free memory from earlier tests."""

from __future__ import annotations

import subprocess
import sys

import pytest

from triage_app.core.memory import give_big_blocks_back

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's malloc threshold: Linux only"
)

PATTERN = r"""
import os, sys
from triage_app.core.memory import give_big_blocks_back
if sys.argv[1] == "fixed":
    assert give_big_blocks_back() and give_big_blocks_back()  # once; again changes nothing
def resident_mb():
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
before = resident_mb()
for size in (24, 20, 16, 24, 12):  # as a search's temporaries come and go
    block = bytearray(size * 2**20)
    del block
print(resident_mb() - before)
"""


def _kept_mb(mode: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", PATTERN, mode], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


@linux_only
def test_freed_big_blocks_leave_the_process() -> None:
    assert _kept_mb("fixed") < 4
    # glibc's own rule keeps them in the heap after the first free (the threshold rises):
    # the test would not notice the call being lost otherwise.
    assert _kept_mb("default") > 10


def test_asking_twice_is_harmless() -> None:
    first = give_big_blocks_back()
    assert give_big_blocks_back() is first
