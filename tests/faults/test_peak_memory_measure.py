"""The memory bounds of the fault tests measure the child's own peak, not the test process's:
ru_maxrss from wait4 is inherited across fork and exec, so a grown pytest process made every
bounded import 'exceed' 300 MB in the full run (tests/support/peak_memory.py)."""

from __future__ import annotations

from tests.faults.helpers import cli_env, run_cli


def test_a_child_is_measured_by_its_own_peak_not_by_its_parents(tmp_path):
    ballast = bytearray(400 * 1024 * 1024)  # this process now peaks above any child bound
    for at in range(0, len(ballast), 4096):
        ballast[at] = 1
    ran = run_cli(["stats", "--help"], cli_env(tmp_path))
    assert ran.code == 0, ran.err
    assert 5 < ran.maxrss_mb < 200, ran.maxrss_mb
    del ballast
