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


def _progress_seen(stderr: str) -> str:
    lines = [ln for ln in stderr.replace("\r", "\n").splitlines() if ln.strip()]
    return f"progress lines: {len(lines)}" + (f", last {lines[-1].strip()[:80]!r}" if lines else "")


def measure_checks(b: Any) -> None:
    from bench import LAST_STDERR, run_child  # type: ignore[import-not-found]

    store = b.context.get("store_plain")
    if not store:
        raise RuntimeError("run the import measurement first (it makes the store)")
    env = {
        "TRIAGE_DB": str(store),
        "TRIAGE_PLAIN_STORE": "1",
        "TRIAGE_DATA_DIR": str(Path(str(store)).parent / "window-data"),
    }
    cli = [sys.executable, "-m", "triage_app.cli"]
    seconds, peak, out = run_child([*cli, "db", "check", "--json", "--progress"], env=env)
    result = json.loads(out)
    b.add(
        "triage db check (integrity_check + media)",
        seconds / 60,
        "min",
        "minutes, with progress",
        bool(result["ok"]) and seconds < 60 * 60,
        f"ok={result['ok']}, peak {peak} MB; {_progress_seen(LAST_STDERR[0])}",
    )
    seconds, peak, out = run_child([*cli, "audit", "verify", "--json"], env=env)
    result = json.loads(out)
    b.add(
        "triage audit verify (hash chain, anchors, replay, signatures)",
        seconds / 60,
        "min",
        "minutes, with progress",
        bool(result["ok"]) and seconds < 60 * 60,
        f"ok={result['ok']}, {result['rows_checked']:,} audit rows, peak {peak} MB; "
        f"{_progress_seen(LAST_STDERR[0])}",
    )


MEASUREMENTS = {"checks": measure_checks}
