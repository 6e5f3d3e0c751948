"""Enrichment finds the same things however fast it is made: what it writes for a demo corpus is
pinned (a digest per table, recorded before the speed work of issue 17), and checked against
the straightforward path (each post through the core functions on its own, clusters from the
in-memory clustering), so an optimisation that changes a single indicator, language, cluster or
priority fails here."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.store.enrich_support import NOW
from triage_app.core.demo import generate_demo_records
from triage_app.core.indicators import extract_indicators
from triage_app.core.language import detect_language
from triage_app.core.similarity import cluster_texts
from triage_app.ingest.pipeline import import_paths
from triage_app.store import enrich

POSTS = 3000
SEED = 7

# Recorded with the enrichment as it was before the speed work (3,000 demo posts, seed 7, every
# third post without its language): rows and the first 16 hex digits of each table's digest.
PINNED = {
    "posts": (3000, "724facfe99fee345"),
    "clusters": (219, "0228f8ef54b4c446"),
    "indicators": (7404, "d8df1ce252d74e66"),
    "buckets": (4933, "2bd451a9c1f12e69"),
    "signatures": (2774, "17bd3e6f23b1d819"),
    "account_links": (1315, "6e0889cdbbd8abca"),
    "account_pairs": (1015, "088176990f9ed3b8"),
    "returning": (0, "e3b0c44298fc1c14"),
}

QUERIES = {
    "posts": "SELECT id, language, cluster_id, priority FROM posts",
    "clusters": "SELECT id, size FROM clusters",
    "indicators": 'SELECT post_id, kind, value, raw, start, "end", media_id FROM indicators',
    "buckets": "SELECT key, post_id FROM lsh_buckets",
    "signatures": "SELECT post_id, signature FROM text_signatures",
    "account_links": "SELECT a, b, kind, value, weight, post_id FROM account_links",
    "account_pairs": "SELECT DISTINCT a, b, kind, weight FROM account_links",
    "returning": "SELECT post_id, account_id, linked_account, kind, value, why, reason "
    "FROM returning_posts",
}


def _plain(value: Any) -> Any:
    """One form on both backends: bytes as hex, floats rounded (PostgreSQL's are doubles)."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return round(value, 6)
    return value


def digests(store: Any) -> dict[str, tuple[int, str]]:
    """Rows and digest of each table enrichment writes, sorted here (not by the backend).

    On PostgreSQL which post and value a link between two accounts names as its evidence
    varies from run to run (rows come back in no set order), so there only the links
    themselves (account_pairs) are compared."""
    out = {}
    for name, sql in QUERIES.items():
        if name == "account_links" and store.backend != "sqlite":
            out[name] = PINNED[name]
            continue
        rows = sorted(json.dumps([_plain(v) for v in row]) for row in store.execute(sql))
        out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
    return out


def write_demo(tmp_path: Path) -> Path:
    """The demo corpus as JSONL, every third post without its language."""
    path = tmp_path / "demo.jsonl"
    if not path.exists():
        with path.open("w", encoding="utf-8") as out:
            for n, record in enumerate(generate_demo_records(POSTS, SEED)):
                if n % 3 == 0:  # these get their language from detection
                    record.pop("language", None)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def demo_store(make_store: Any, tmp_path: Path, name: str = "demo.db", **kwargs: Any) -> Any:
    """The demo corpus imported without enrichment, then enriched with ``kwargs``."""
    path = write_demo(tmp_path)
    store = make_store(name)
    import_paths(store, [path], fmt="jsonl", enrich=False)
    enrich.enrich_pending(store, now=NOW, **kwargs)
    return store


def test_the_demo_corpus_gives_the_pinned_results(make_store: Any, tmp_path: Path) -> None:
    store = demo_store(make_store, tmp_path, workers=0)
    assert digests(store) == PINNED


def test_a_helper_process_and_small_batches_give_the_same_results(
    make_store: Any, tmp_path: Path
) -> None:
    store = demo_store(make_store, tmp_path, workers=1, batch_size=97)
    assert digests(store) == PINNED


def test_each_post_has_what_the_core_functions_find_in_it(make_store: Any, tmp_path: Path) -> None:
    store = demo_store(make_store, tmp_path, workers=0)
    given = {}
    with (tmp_path / "demo.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            given[(record["platform"], record["post_id"])] = record.get("language")
    stored: dict[int, list[tuple[Any, ...]]] = {}
    for row in store.execute(
        'SELECT post_id, kind, value, raw, start, "end" FROM indicators WHERE media_id IS NULL'
    ):
        stored.setdefault(row[0], []).append(tuple(row[1:]))
    detected = 0
    posts = store.execute(
        "SELECT id, platform, platform_post_id, text, language FROM posts ORDER BY id"
    ).fetchall()
    assert len(posts) == POSTS
    for pid, platform, platform_post_id, text, language in posts:
        said = given[(platform, platform_post_id)]
        expected_language = said or detect_language(text)
        detected += said is None and expected_language is not None
        assert language == expected_language, pid
        expected = [
            (i.kind, i.value, i.raw, i.start, i.end)
            for i in extract_indicators(text, language=language)
        ]
        assert sorted(stored.get(pid, [])) == sorted(expected), pid
    assert detected > POSTS // 4  # detection really ran


def test_clusters_are_those_of_the_in_memory_clustering(make_store: Any, tmp_path: Path) -> None:
    store = demo_store(make_store, tmp_path, batch_size=450)
    posts = store.execute("SELECT id, text, cluster_id FROM posts ORDER BY id").fetchall()
    labels = cluster_texts([p[1] or "" for p in posts])
    members: dict[int, int] = {}
    for label in labels:
        members[label] = members.get(label, 0) + 1
    expected = [posts[label][0] if members[label] > 1 else None for label in labels]
    assert [p[2] for p in posts] == expected
    sizes = dict(store.execute("SELECT id, size FROM clusters").fetchall())
    assert sizes == {posts[label][0]: n for label, n in members.items() if n > 1}
    assert len(sizes) > 10


ENRICHER = """
import os, sys
from tests.faults.helpers import open_as_cli
from tests.store.enrich_support import NOW
from triage_app.store import enrich
store = open_as_cli(dict(os.environ))
enrich.enrich_pending(
    store, lambda done, total: print(done, flush=True), now=NOW, batch_size=150, workers=1
)
print("finished", flush=True)
"""


def helpers_of(store_path: str) -> list[int]:
    """The enrichment helper processes (multiprocessing spawn children) of this store."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"spawn_main" in command and f"TRIAGE_DB={store_path}".encode() in environ:
            found.append(int(proc.name))
    return found


def test_an_enrichment_killed_mid_way_resumes_to_the_same_results(tmp_path: Path) -> None:
    """SIGKILL while a helper process computes and the main one writes; the next run takes up
    at the last committed batch and ends with what one uninterrupted run writes."""
    from tests.faults.helpers import cli_env, open_as_cli, popen_python, run_cli

    env = cli_env(tmp_path / "k", encrypted=True)
    jsonl = write_demo(tmp_path)
    ran = run_cli(["import", str(jsonl), "--no-enrich", "--format", "jsonl"], env)
    assert ran.code == 0, ran.err
    child = popen_python(ENRICHER, [], env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    for _ in range(3):  # three batches committed, the next ones in flight
        line = child.stdout.readline()
        assert line.strip().isdigit(), child.stderr.read() if child.stderr else line
    helpers = helpers_of(env["TRIAGE_DB"])
    assert helpers, "the enrichment had no helper process to kill with it"
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 20
    while helpers_of(env["TRIAGE_DB"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not helpers_of(env["TRIAGE_DB"]), "a helper process outlived the killed enrichment"
    store = open_as_cli(env)
    try:
        done = enrich.high_water_mark(store)
        assert 450 <= done < POSTS  # killed mid-way, three batches or more kept
        assert store.scalar("SELECT max(post_id) FROM indicators") <= done
        assert store.scalar("SELECT max(post_id) FROM text_signatures") <= done
        result = enrich.enrich_pending(store, now=NOW, workers=0)
        assert result.posts == POSTS - store.scalar(
            "SELECT count(*) FROM posts WHERE id <= ?", (done,)
        )
        assert digests(store) == PINNED
    finally:
        store.close()
