"""A process's own peak memory, measured honestly.

``ru_maxrss`` is inherited: a child forked (or vforked) from the pytest process and exec'd starts
with the parent's high-water mark, so once the test process itself has grown past a bound every
child seems to exceed it. ``VmHWM`` in /proc/self/status belongs to the current address space,
which exec replaces, so it is the child's own peak. Children the process waited for are added
through RUSAGE_CHILDREN (they were forked from this small process, so theirs is honest too)."""

from __future__ import annotations

import os
import resource
from pathlib import Path

#: Set by tests/faults/helpers.run_cli: where the test launcher writes the child's peak (kB).
PEAK_FILE_VARIABLE = "TRIAGE_TEST_PEAK_FILE"


def own_peak_kb() -> int:
    """This process's peak resident memory in kB (VmHWM where /proc has it), or its children's
    peak if larger."""
    peak = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1])
                break
    except OSError:
        pass
    if not peak:  # no /proc: fall back on the (possibly inherited) figure
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def own_peak_mb() -> float:
    return own_peak_kb() / 1024


def report_peak_if_asked() -> None:
    """Write this process's peak (kB) to the file the test named, if it named one."""
    target = os.environ.get(PEAK_FILE_VARIABLE)
    if target:
        try:
            Path(target).write_text(str(own_peak_kb()))
        except OSError:
            pass
