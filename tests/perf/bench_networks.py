"""Benchmark figures for the networks of accounts (issue 18, "Measured"): the link build from
scratch, the incremental update after a 10,000-post import, and the returning detection inside
that import. Picked up by tests/perf/bench.py (``--only networks``).

It makes its own store, so the incremental import shares contact points with the store as a real
import would: one demo corpus of ``--posts`` + 10,000 posts (seed 7) is written, its first
``--posts`` lines are imported and enriched, the links are built from scratch (timed), a third of
the linked accounts is taken down and the links are built from scratch again (timed: a rebuild
flags every returning post on the way), then the last 10,000 lines are imported and enriched,
the network step timed on its own."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

TAIL = 10_000

# Build from scratch: forget every link and mark, then time update_networks over every post.
BUILD = """
import json, resource, sys, time
from triage_app.store import open_store
from triage_app.store import networks
store = open_store(sys.argv[1], user="bench")
with store.transaction() as conn:
    conn.execute("DELETE FROM account_links")
    conn.execute("DELETE FROM returning_posts")
    conn.execute("DELETE FROM meta WHERE key IN (?, ?, ?, ?)",
                 (networks.UPTO_KEY, networks.MEDIA_KEY, networks.OUTCOMES_KEY,
                  networks.REFERRALS_KEY))
t = time.perf_counter()
result = networks.update_networks(store)
seconds = time.perf_counter() - t
t = time.perf_counter()
listed = networks.list_networks(store)
list_seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "links": store.scalar("SELECT count(*) FROM account_links"),
                  "networks": len(listed), "largest": listed[0]["accounts"] if listed else 0,
                  "linked": sum(n["accounts"] for n in listed), "list_seconds": list_seconds,
                  "returning": store.scalar("SELECT count(*) FROM returning_posts"),
                  "accounts": store.scalar("SELECT count(*) FROM accounts"),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

# A third of the linked accounts referred and taken down on the corpus's first day, so that the
# tail's posts of their networks return. Rows go in directly: the bench user holds no keys.
TAKE_DOWN = """
import datetime as dt, json, sys, uuid
from triage_app.store import open_store
store = open_store(sys.argv[1], user="bench")
first = store.scalar("SELECT min(posted_at) FROM posts WHERE posted_at IS NOT NULL")
day = dt.datetime.fromtimestamp(int(first), dt.UTC).date().isoformat()
linked = [r[0] for r in store.execute(
    "SELECT a FROM account_links UNION SELECT b FROM account_links ORDER BY 1")]
chosen = linked[::3]
with store.transaction() as conn:
    for account in chosen:
        conn.execute("UPDATE accounts SET referred = 1 WHERE id = ?", (account,))
        conn.execute("INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at) "
                     "VALUES (?, ?, 'taken_down', ?, 'bench', ?)",
                     (str(uuid.uuid4()), account, day, day + "T00:00:00Z"))
from triage_app.store.networks import recheck_returning
recheck_returning(store)
print(json.dumps({"taken_down": len(chosen), "of": len(linked), "day": day}))
"""

# The tail import's enrichment, with the network step and its returning detection timed.
INCREMENTAL = """
import json, sys, time
from triage_app.store import open_store
from triage_app.store import networks
from triage_app.store.enrich import enrich_pending
store = open_store(sys.argv[1], user="bench")
spent = {"update": 0.0, "returning": 0.0}
def timed(fn, key):
    def run(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - t
    return run
networks.update_networks = timed(networks.update_networks, "update")
networks._flag_returning = timed(networks._flag_returning, "returning")
before = store.scalar("SELECT count(*) FROM returning_posts")
t = time.perf_counter()
result = enrich_pending(store)
print(json.dumps({"enrich_seconds": time.perf_counter() - t, "posts": result.posts,
                  "network_seconds": spent["update"], "returning_seconds": spent["returning"],
                  "returning": store.scalar("SELECT count(*) FROM returning_posts") - before,
                  "links": result.account_links}))
"""


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    from bench import run_child  # type: ignore[import-not-found]

    seconds, _, out = run_child(args, env=env)
    return seconds, out


def _json(out: str) -> dict[str, Any]:
    return dict(json.loads(out.strip().splitlines()[-1]))


def _corpus(b: Any) -> tuple[Path, Path]:
    """The head (``--posts`` lines) and tail (10,000 lines) of one demo corpus."""
    head, tail = b.out / f"networks-head-{b.posts}.jsonl", b.out / f"networks-tail-{b.posts}.jsonl"
    if head.exists() and tail.exists():
        return head, tail
    whole = b.out / f"networks-{b.posts + TAIL}.jsonl"
    _run(
        [
            sys.executable,
            "-c",
            "import sys; from triage_app.core.demo import write_demo_jsonl; "
            "write_demo_jsonl(sys.argv[1], int(sys.argv[2]), 7, media_dir=None)",
            str(whole),
            str(b.posts + TAIL),
        ],
        {},
    )
    with open(whole, encoding="utf-8") as src, open(head, "w", encoding="utf-8") as h:
        for _ in range(b.posts):
            h.write(src.readline())
        with open(tail, "w", encoding="utf-8") as t:
            for line in src:
                t.write(line)
    whole.unlink()
    return head, tail


def _load() -> str:
    """The 1-minute load average: the machine is shared, so figures say how busy it was."""
    return f"{os.getloadavg()[0]:.2f}"


def measure_networks(b: Any) -> None:
    """Build from scratch, incremental after a 10k import, returning detection in that import."""
    head, tail = _corpus(b)
    store = b.out / "networks.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    env = {"TRIAGE_DB": str(store), "TRIAGE_PLAIN_STORE": "1", "TRIAGE_NO_OCR": "1"}
    cli = [sys.executable, "-m", "triage_app.cli"]
    t_import, _ = _run([*cli, "import", str(head), "--format", "jsonl"], env)
    b.add(
        f"networks: import + enrich {b.posts:,} posts (store for the figures below)",
        t_import,
        "s",
        "-",
        None,
        f"load {_load()}",
    )
    _, out = _run([sys.executable, "-c", BUILD, str(store)], env)
    r = _json(out)
    b.add(
        "networks: build from scratch",
        r["seconds"],
        "s",
        "<= 120",
        r["seconds"] <= 120,
        f"{r['links']:,} links; {r['networks']:,} networks of {r['linked']:,} of "
        f"{r['accounts']:,} accounts (largest {r['largest']}); list of networks "
        f"{r['list_seconds']:.2f} s; peak {r['peak_mb']} MB; load {_load()}",
    )
    _, out = _run([sys.executable, "-c", TAKE_DOWN, str(store)], env)
    down = _json(out)
    _, out = _run([sys.executable, "-c", BUILD, str(store)], env)
    r = _json(out)
    b.add(
        "networks: rebuild from scratch with takedowns recorded",
        r["seconds"],
        "s",
        "<= 120",
        r["seconds"] <= 120,
        f"{r['returning']:,} returning posts flagged on the way ({down['taken_down']:,} "
        f"accounts taken down); peak {r['peak_mb']} MB; load {_load()}",
    )
    _run([*cli, "import", str(tail), "--format", "jsonl", "--no-enrich"], env)
    _, out = _run([sys.executable, "-c", INCREMENTAL, str(store)], env)
    r = _json(out)
    b.add(
        f"networks: incremental after a {TAIL:,}-post import",
        r["network_seconds"],
        "s",
        "<= 10",
        r["network_seconds"] <= 10,
        f"{r['links']:,} new links; whole enrichment {r['enrich_seconds']:.1f} s; load {_load()}",
    )
    b.add(
        "networks: returning detection within that import",
        r["returning_seconds"],
        "s",
        "-",
        None,
        f"{r['returning']:,} posts returning ({down['taken_down']:,} of {down['of']:,} linked "
        f"accounts taken down on {down['day']})",
    )


MEASUREMENTS = {"networks": measure_networks}
