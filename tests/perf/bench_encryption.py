"""Encryption-at-rest cost: opening a store and the queue's first page, encrypted vs plain, on
the same data in the same run (issue 8 target: encrypted <= 1.5 x plain).

Picked up by tests/perf/bench.py (MEASUREMENTS), or on its own:

    python tests/perf/bench_encryption.py --posts 1000000 [--out bench-out] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, sys, time
t0 = time.perf_counter()
# Modules load once per process, before any store opens (the window imports keyring for pack
# signing at start-up too); the figure is the cost of opening the store itself.
import keyring
keyring.get_keyring()
from triage_app.store.opening import open_for_user
from triage_app.store.queue import QueueQuery, queue_ids, queue_rows
t1 = time.perf_counter()
store = open_for_user(__import__('pathlib').Path(sys.argv[1]), user="bench")
t2 = time.perf_counter()
ids = queue_ids(store, QueueQuery())
rows = queue_rows(store, list(ids[:100]))
t3 = time.perf_counter()
assert len(rows) == 100, len(rows)
print(json.dumps({"open": t2 - t1, "page": t3 - t2, "total": len(ids)}))
"""


def build_plain(path: Path, posts: int) -> None:
    """A plain store with ``posts`` posts over posts/50 accounts, written with bulk SQL."""
    from triage_app.store import open_store

    store = open_store(path, user="bench", create=True)
    accounts = max(1, posts // 50)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) VALUES "
            "('bench', 'bench', '0', 0, 'jsonl', 'bench', '2025-01-01T00:00:00Z')"
        )
        conn.executemany(
            "INSERT INTO accounts(uuid, platform, platform_account_id, handle, display_name) "
            "VALUES (?, 'facebook', ?, ?, ?)",
            ((f"acc-{i}", f"a{i}", f"agent_{i}", f"Agent {i}") for i in range(accounts)),
        )
    chunk = 50_000
    for start in range(0, posts, chunk):
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO posts(uuid, platform, platform_post_id, account_id, posted_at, "
                "text, language, status, priority, import_id, imported_at) "
                "VALUES (?, 'facebook', ?, ?, ?, ?, 'en', 'new', ?, 1, '2025-01-01T00:00:00Z')",
                (
                    (
                        f"post-{i}",
                        f"p{i}",
                        1 + i % accounts,
                        1_700_000_000 + i,
                        f"Boat crossing to the UK, seats left, price {1000 + i % 900} euro, "
                        f"call +44 7700 {i % 1_000_000:06d}",
                        (i * 7919) % 1000 / 10.0,
                    )
                    for i in range(start, min(posts, start + chunk))
                ),
            )
    store.close()


def _child(path: Path, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return dict(json.loads(out.stdout))


def run(posts: int, out: Path, rounds: int) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    work = out / "encryption-bench"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="tests.store.file_keyring.FileKeyring",
        TRIAGE_TEST_KEYRING_FILE=str(work / "keyring.json"),
    )
    os.environ.update({k: env[k] for k in ("PYTHON_KEYRING_BACKEND", "TRIAGE_TEST_KEYRING_FILE")})
    import keyring

    from tests.store.file_keyring import FileKeyring
    from triage_app.store.encryption import encrypt_store

    keyring.set_keyring(FileKeyring())
    plain, enc = work / "plain.db", work / "encrypted.db"
    started = time.perf_counter()
    build_plain(plain, posts)
    built = time.perf_counter() - started
    shutil.copyfile(plain, enc)
    started = time.perf_counter()
    encrypt_store(enc, None)
    encrypted_in = time.perf_counter() - started
    times: dict[str, list[dict[str, float]]] = {"plain": [], "encrypted": []}
    _child(plain, env), _child(enc, env)  # warm the OS page cache for both files alike
    for _ in range(rounds):
        times["plain"].append(_child(plain, env))
        times["encrypted"].append(_child(enc, env))
    result: dict[str, Any] = {"posts": posts, "build_s": built, "db_encrypt_s": encrypted_in}
    for kind, runs in times.items():
        for part in ("open", "page"):
            result[f"{kind}_{part}_s"] = statistics.median(r[part] for r in runs)
        result[f"{kind}_open_and_page_s"] = statistics.median(r["open"] + r["page"] for r in runs)
    result["ratio"] = result["encrypted_open_and_page_s"] / result["plain_open_and_page_s"]
    (out / "encryption.json").write_text(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return result


def measure(b: Any) -> None:
    """The bench.py hook: adds the figures to the shared report."""
    r = run(b.posts, b.out, 5)
    b.add(
        "encrypted open + first queue page",
        r["encrypted_open_and_page_s"],
        "s",
        "<= 1.5 x plain",
        None,
    )
    b.add("plain open + first queue page", r["plain_open_and_page_s"], "s", "baseline", None)
    b.add("encrypted / plain (open + first page)", r["ratio"], "x", "<= 1.5", r["ratio"] <= 1.5)
    b.add("db encrypt of the store", r["db_encrypt_s"], "s", "-", None)


MEASUREMENTS = {"encryption": measure}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--out", default="bench-out")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    result = run(args.posts, Path(args.out), args.rounds)
    print(json.dumps(result, indent=2))
    return 0 if result["ratio"] <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
