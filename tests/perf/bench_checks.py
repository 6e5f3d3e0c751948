"""`triage db check` and `triage audit verify` on the benchmark's store (issue 17: "in minutes
with progress" at 10M posts). Picked up by tests/perf/bench.py after the window measurement
(which tags posts, so the audit log has decisions to verify).

Reported per command: wall time, peak memory, and whether it printed any progress on stderr
while it ran (``db check --progress`` shows the media check's; the integrity check itself is one
``PRAGMA integrity_check`` statement)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _progress_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.replace("\r", "\n").splitlines() if ln.strip()]


def _progress_seen(stderr: str) -> str:
    lines = _progress_lines(stderr)
    return f"progress lines: {len(lines)}" + (f", last {lines[-1].strip()[:80]!r}" if lines else "")


# The command's own exit code is kept (a failed check is a finding to report, not a crash of the
# measurement): printed after its output.
CLI = """
import sys
from triage_app.cli import main
code = main(sys.argv[1:])
print("EXIT", code)
"""


def _run(b: Any, args: list[str], env: dict[str, str]) -> tuple[float, int, dict[str, Any], int]:
    from bench import run_child  # type: ignore[import-not-found]

    seconds, peak, out = run_child([sys.executable, "-c", CLI, *args], env=env)
    body, _, code = out.strip().rpartition("EXIT ")
    return seconds, peak, json.loads(body), int(code)


def _unsigned(result: dict[str, Any]) -> str:
    sigs = result.get("signatures") or {}
    problems = sigs.get("problems") or []
    if sigs.get("ok", True) or not problems:
        return ""
    return f"; signatures not ok: {len(problems)} problems, first: {problems[0]['reason'][-60:]}"


def measure_checks(b: Any) -> None:
    from bench import LAST_STDERR

    store = b.context.get("store_plain")
    if not store:
        raise RuntimeError("run the import measurement first (it makes the store)")
    env = {
        "TRIAGE_DB": str(store),
        "TRIAGE_PLAIN_STORE": "1",
        "TRIAGE_DATA_DIR": str(Path(str(store)).parent / "window-data"),
    }
    seconds, peak, result, code = _run(b, ["db", "check", "--json", "--progress"], env)
    b.add(
        "triage db check (integrity_check + media)",
        seconds / 60,
        "min",
        "minutes, with progress",
        bool(result["ok"]) and seconds < 60 * 60 and bool(_progress_lines(LAST_STDERR[0])),
        f"ok={result['ok']} (exit {code}), peak {peak} MB; {_progress_seen(LAST_STDERR[0])}",
    )
    seconds, peak, result, code = _run(b, ["audit", "verify", "--json"], env)
    b.add(
        "triage audit verify (hash chain, anchors, replay, signatures)",
        seconds / 60,
        "min",
        "minutes, with progress",
        seconds < 60 * 60 and bool(_progress_lines(LAST_STDERR[0])),
        f"ok={result['ok']} (exit {code}), {result['rows_checked']:,} audit rows, replay of "
        f"{result.get('replay', {}).get('posts', 0):,} posts, peak {peak} MB; "
        f"{_progress_seen(LAST_STDERR[0])}{_unsigned(result)}",
    )


MEASUREMENTS = {"checks": measure_checks}
