"""Benchmark figures on the imported demo store: enrichment (indicators + clustering), stats,
pivots. Picked up by tests/perf/bench.py; runs after its import measurement."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

ENRICH = """
import json, sys, time, resource
from triage_app.store import open_store
from triage_app.store.enrich import enrich_pending
store = open_store(sys.argv[1], user="bench")
t = time.perf_counter()
result = enrich_pending(store)
seconds = time.perf_counter() - t
clusters = store.scalar("SELECT count(DISTINCT cluster_id) FROM posts WHERE cluster_id IS NOT NULL")
largest = store.scalar("SELECT max(n) FROM (SELECT count(*) n FROM posts WHERE cluster_id IS NOT "
                       "NULL GROUP BY cluster_id)")
print(json.dumps({"seconds": seconds, "indicators": store.scalar("SELECT count(*) FROM indicators"),
                  "clusters": clusters, "largest": largest,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

PIVOTS = """
import json, random, sys, time
from triage_app.store import open_store
from triage_app.store import pivots
store = open_store(sys.argv[1], user="bench")
top = store.scalar("SELECT max(id) FROM posts")
rng = random.Random(3)
out = {}
for name in ("near_duplicates", "same_account", "same_indicator"):
    fn = getattr(pivots, name)
    times = []
    for _ in range(200):
        pid = rng.randint(1, top)
        t = time.perf_counter()
        fn(store, pid, 50)
        times.append(time.perf_counter() - t)
    times.sort()
    out[name] = {"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)]}
print(json.dumps(out))
"""

STATS = """
import json, sys, time
from triage_app.store import open_store
from triage_app.store.stats import compute_stats
store = open_store(sys.argv[1], user="bench")
t = time.perf_counter()
compute_stats(store)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def _store(b: Any) -> Path:
    path = b.context.get("store_plain")
    if not path:
        raise RuntimeError("run the import measurement first (it makes the store)")
    return Path(str(path))


def _child(b: Any, code: str) -> tuple[dict[str, Any], int]:
    from bench import run_child  # type: ignore[import-not-found]

    _, peak, out = run_child(
        [sys.executable, "-c", code, str(_store(b))],
        env={"TRIAGE_PLAIN_STORE": "1"},
    )
    return json.loads(out.strip().splitlines()[-1]), peak


def measure_enrich(b: Any) -> None:
    """Indicators, language, near-duplicate clusters and priority for every imported post."""
    r, _ = _child(b, ENRICH)
    minutes = r["seconds"] / 60
    b.add(
        "indicators + clustering, all posts",
        minutes,
        "min",
        "<= 5",
        minutes <= 5,
        f"{b.posts / r['seconds']:,.0f} posts/s; {r['indicators']:,} indicators, "
        f"{r['clusters']:,} clusters (largest {r['largest']}), peak {r['peak_mb']} MB",
    )


def measure_pivots(b: Any) -> None:
    r, _ = _child(b, PIVOTS)
    for name, figures in r.items():
        ms = figures["p95"] * 1000
        b.add(
            f"pivot {name.replace('_', ' ')} p95",
            ms,
            "ms",
            "<= 50",
            ms <= 50,
            f"p50 {figures['p50'] * 1000:.1f} ms",
        )


def measure_stats(b: Any) -> None:
    r, _ = _child(b, STATS)
    b.add("triage stats (all figures)", r["seconds"], "s", "-", None)


MEASUREMENTS = {"enrich": measure_enrich, "stats": measure_stats, "pivots": measure_pivots}
random.seed(0)
