"""How fast the network view opens (issue 18: 500 accounts in at most 1 s, readable).

Run on its own (offscreen): it imports a 500-account network (tests/support/network_corpus.py)
into a new plain store in a temporary folder, or opens ``--store PATH``, and opens the largest
network in the view, cold (first time in the process: networkx and numpy are imported) and
warm, each broken down into reading the network, reading its posts, the layout, and drawing
(picture, lists, timeline) until painted; the cold run includes importing networkx, as the
first Ctrl+7 of a session does. Prints one JSON line: wall seconds and the process's
CPU seconds (on a busy machine the wall time is the CPU time stretched by the load).

    python3 tests/perf/bench_network_view.py [--accounts 500] [--store PATH] [--repeat 3]

tests/perf/bench.py may call :func:`measure_network_view` with its own benchmark object
(``b.context['store_plain']``, ``b.add(...)``) to measure the largest network of its store."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication([])
from triage_app.store import open_store
import triage_app.ui.network_view as nv

store = open_store(sys.argv[1], user=sys.argv[2])
repeat = int(sys.argv[3])
largest = json.loads(sys.argv[4])  # chosen by the parent: networkx is not imported here yet
account = int(str(largest["id"]).lstrip("N"))

parts = {}
def timed(name, fn):
    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - t
    return wrapper

import triage_app.store.networks as sn
sn.account_network = timed("read network", sn.account_network)
nv.network_posts = timed("read posts", nv.network_posts)
nv.network_layout = timed("layout", nv.network_layout)

view = nv.NetworkView(store)
view.resize(1920, 1080)
view.show()
app.processEvents()
runs = []
for i in range(repeat + 1):
    parts.clear()
    t = time.perf_counter()
    c = time.process_time()
    view.show_account(account)
    view.graph.viewport().repaint()
    view.timeline.repaint()
    view.accounts_table.viewport().repaint()
    app.processEvents()
    total = time.perf_counter() - t
    cpu = time.process_time() - c
    times = {k: round(v, 4) for k, v in parts.items()}
    runs.append({"total": total, "cpu": round(cpu, 4), **times})
shown = sum(1 for n in view.graph.drawing.nodes.values() if n.show_label)
print(json.dumps({
    "network": largest["id"], "accounts": len(view.network["accounts"]),
    "links": len(view.network["links"]),
    "cold": runs[0], "warm": runs[1:],
    "labels_drawn": shown,
}))
"""


def _make_store(folder: Path, accounts: int) -> Path:
    """A plain store with the network corpus imported through the CLI."""
    sys.path.insert(0, str(ROOT))
    from tests.support.network_corpus import write_network_corpus

    corpus = write_network_corpus(folder / "network.jsonl", accounts)
    store = folder / "network.db"
    env = {**os.environ, "TRIAGE_PLAIN_STORE": "1", "TRIAGE_DATA_DIR": str(folder / "data")}
    proc = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", "--db", str(store), "import", str(corpus)]
        + ["--format", "jsonl"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"triage import failed: {proc.stderr.strip()[-800:]}")
    return store


def largest_network(store: Path, user: str) -> dict[str, Any]:
    """The store's largest network (read here, so the measured process starts cold)."""
    sys.path.insert(0, str(ROOT))
    from triage_app.store import open_store
    from triage_app.store.networks import list_networks

    opened = open_store(store, user=user)
    try:
        started = time.perf_counter()
        networks = list_networks(opened)
        listed = time.perf_counter() - started
    finally:
        opened.close()
    if not networks:
        raise RuntimeError(f"{store} has no network")
    return {"id": networks[0]["id"], "list_networks_s": round(listed, 4)}


def run(store: Path, user: str, repeat: int = 3) -> dict[str, Any]:
    largest = largest_network(store, user)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(store), user, str(repeat), json.dumps(largest)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "TRIAGE_PLAIN_STORE": "1",
            "QT_QPA_PLATFORM": "offscreen",
            "TRIAGE_DATA_DIR": str(store.parent / "view-data"),
        },
    )
    if proc.returncode != 0:
        raise RuntimeError(f"network view measurement failed: {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["list_networks_s"] = largest["list_networks_s"]
    result["warm_median_s"] = round(statistics.median(r["total"] for r in result["warm"]), 4)
    result["warm_cpu_median_s"] = round(statistics.median(r["cpu"] for r in result["warm"]), 4)
    result["cold_s"] = round(result["cold"]["total"], 4)
    result["cold_cpu_s"] = result["cold"]["cpu"]
    result["load_average"] = round(os.getloadavg()[0], 2)
    return result


def measure_network_view(b: Any) -> None:
    """For tests/perf/bench.py: the largest network of its store opened in the view."""
    store = b.context.get("store_plain")
    if not store:
        raise RuntimeError("run the import measurement first (it makes the store)")
    r = run(Path(str(store)), os.environ.get("USER", "bench"))
    b.add(
        "network view: largest network opened and painted (warm, median)",
        r["warm_median_s"],
        "s",
        "<= 1 for 500 accounts",
        r["accounts"] > 500 or r["warm_median_s"] <= 1.0,
        f"{r['accounts']:,} accounts, {r['links']:,} links; cold {r['cold_s']:.2f} s; "
        f"CPU {r['warm_cpu_median_s']:.2f} s warm, {r['cold_cpu_s']:.2f} s cold; "
        f"load average {r['load_average']:.1f}",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--store", type=Path, help="measure this store's largest network")
    parser.add_argument("--user", default=os.environ.get("USER", "bench"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.store is not None:
        result = run(args.store, args.user, args.repeat)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            store = _make_store(Path(tmp), args.accounts)
            build = time.perf_counter() - t
            result = run(store, args.user, args.repeat)
            result["store_built_s"] = round(build, 2)
    print(json.dumps(result))
    ok = result["accounts"] > 500 or result["warm_median_s"] <= 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
