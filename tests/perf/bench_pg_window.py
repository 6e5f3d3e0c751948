"""The window's figures on a team server (issue 16: "the window's figures as on SQLite"), for
``tests/perf/bench.py --backend postgresql``, after bench_pg_import.py's measurement on the
store it imported, on the same throw-away server:

1. ``triage --db URL enrich`` (timed: the window's priorities, clusters and indicators).
2. An analyst login ``bench`` added by the store's owner (``triage users add bench --role
   analyst --key``), its personal key wrapped by a passphrase file as on SQLite: the window runs
   as an analyst under the server's row-level security, not as the superuser that owns it.
3. bench_window.py's WINDOW child on ``postgresql:///...&user=bench``: first page painted, far
   jumps, 200 tag keys, 40 searches, peak memory, each beside the SQLite target.

Run by hand (never in CI):

    python tests/perf/bench.py --backend postgresql --posts 100000 --out OUT
    python tests/perf/bench.py --backend postgresql --posts 100000 --only postgresql,window"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "perf"))

ANALYST = "bench"


def as_login(url: str, login: str) -> str:
    """``url`` with its ``user=`` parameter replaced by ``login`` (a local socket trusts it)."""
    replaced, count = re.subn(r"([?&])user=[^&]*", rf"\g<1>user={login}", url)
    if count != 1:
        raise ValueError(f"no single user= in {url}")
    return replaced


def measure_pg_window(b: Any) -> None:
    import bench  # type: ignore[import-not-found]
    from bench_window import (  # type: ignore[import-not-found]
        MAKE_KEY,
        add_window_figures,
        window_child,
    )

    url = b.context.get("pg_url")
    if not url:
        raise RuntimeError("run the postgresql measurement first (it imports the store)")
    data = Path(b.out) / f"pg-window-data-{b.posts}"
    data.mkdir(mode=0o700, exist_ok=True)
    passphrase = data / "key-passphrase"
    if not passphrase.exists():
        passphrase.touch(mode=0o600)
        passphrase.write_text("bench key passphrase\n")
    env = {
        "TRIAGE_DB": str(url),
        "TRIAGE_DATA_DIR": str(data),
        "TRIAGE_KEY_PASSPHRASE_FILE": str(passphrase),
    }
    at = " ".join(f"{v:.2f}" for v in os.getloadavg())
    t_enrich, peak, _ = bench.run_child([sys.executable, "-m", "triage_app.cli", "enrich"], env=env)
    b.add(
        "PostgreSQL enrichment (triage --db URL enrich)",
        b.posts / t_enrich,
        "posts/s",
        "-",
        None,
        f"{t_enrich:.1f} s, peak {peak} MB; load average {at} at the start",
    )
    public = data / f"{ANALYST}.pub"
    if not public.exists():
        _, _, out = bench.run_child([sys.executable, "-c", MAKE_KEY, str(passphrase)], env=env)
        public.write_text(out.strip().splitlines()[-1] + "\n")
    bench.run_child(
        [sys.executable, "-m", "triage_app.cli", "users", "add", ANALYST, "--role", "analyst"]
        + ["--key", str(public)],
        env=env,
    )
    # The window on a server that writes as a team's does (fsync and synchronous_commit on):
    # each tag key's COMMIT waits for the server's log on disk, as the SQLite window's decision
    # is synced. The import above ran with both off (its ratio's two sides share that).
    from bench_pg_import import RUNNING, restart_server  # type: ignore[import-not-found]

    server = RUNNING.get("server")
    if server is not None:
        restart_server(server, str(b.context.get("pg_shared_buffers") or "1GB"), durable=True)
        b.context["pg_server"] += "; the window's measurement: fsync and synchronous_commit on"
    window_env = {**env, "TRIAGE_DB": as_login(str(url), ANALYST)}
    r = window_child(window_env["TRIAGE_DB"], window_env)
    add_window_figures(b, r, prefix="PostgreSQL window: ")


PG_MEASUREMENTS = {"window": measure_pg_window}
