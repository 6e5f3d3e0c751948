"""Issue 17, import memory: the sorted rebuild of the posts indexes at the end of a bulk load
(ingest/bulk_load.py) must not grow with the size of the import, and must not put anything of
an encrypted store on disk in clear.

- A plain store sorts on disk, in an owner-only scratch folder beside the store that is gone
  afterwards; the connection's temporary store is as it was before.
- An encrypted store sorts in memory, never more than SORT_BUDGET_ROWS posts: past the budget
  the indexes are built inside the file's transaction and the rest goes in row by row. Same
  rows and indexes as the ordinary import; a cancelled import keeps every index.
- While the indexes are built, a progress handler looks at every file the process has open:
  for an encrypted store there is no temporary file at all, and no byte of the sort's keys in
  clear anywhere under the test's folder. The same watcher sees the keys in clear in a plain
  store's sort files (so it would see them if an encrypted store's sort ever went to disk).

Memory itself is measured only by the benchmark (tests/perf/bench.py), never here."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.helpers import cli_env, open_as_cli, popen_cli, run_cli, write_posts
from tests.ingest.test_import_bulk_paths import snapshot, summary_of, write
from triage_app.ingest import bulk_load, parse_process, pipeline
from triage_app.ingest.bulk_load import DeferredIndexes, should_defer
from triage_app.ingest.pipeline import import_paths

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc"),
    # where a SQLite file's index sort goes, SQLCipher keys and temp files: no server here
    pytest.mark.sqlite_only("the SQLite file's index sort, temporary files and keys"),
]

# posted_at of every filled post: its 8 bytes big-endian are this mark, as SQLite stores them
# in every key of the posts_posted index
KEY_MARK = b"QUOKKA13"
POSTED_AT = int.from_bytes(KEY_MARK, "big")


class OpenFiles:
    """A progress handler that notes every temporary file of SQLite's the process has open
    (named ``etilqs_*``, unlinked as they are opened) and which of them hold ``mark``."""

    def __init__(self, mark: bytes) -> None:
        self.mark = mark
        self.temporary: set[str] = set()
        self.in_clear: set[str] = set()

    def __call__(self) -> int:
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
                if "etilqs_" not in target:
                    continue
                self.temporary.add(target)
                with open(f"/proc/self/fd/{fd}", "rb") as fh:
                    if self.mark in fh.read():
                        self.in_clear.add(target)
            except OSError:
                continue  # closed meanwhile
        return 0  # go on


def fill_posts(conn, n: int) -> None:
    """``n`` posts straight into the table (no search rows: the test is about the indexes)."""
    conn.execute(
        "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
        "VALUES ('u', 'p', 's', 1, 'jsonl', 'alice', 'now')"
    )
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_bulk', '1')")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO posts(uuid, platform, platform_post_id, posted_at, text, priority, "
        "import_id, imported_at) SELECT 'u' || i, 'x', 'p' || i, ?, 'text', i % 97, "
        "(SELECT max(id) FROM imports), 'now' FROM n",
        (n, POSTED_AT),
    )
    conn.execute("DELETE FROM meta WHERE key = 'fts_bulk'")


def index_sql(store) -> list[tuple[str, str]]:
    return store.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'posts' AND type = 'index' "
        "ORDER BY name"
    ).fetchall()


def rebuild_watched(store, posts: int) -> tuple[DeferredIndexes, OpenFiles]:
    """Drop the indexes, fill ``posts`` rows and build the indexes again in one transaction,
    with a 1 MB page cache (so a sort of this size spills when it may) and the watcher on."""
    conn = store.conn
    watcher = OpenFiles(KEY_MARK)
    deferred = DeferredIndexes()
    conn.execute("PRAGMA cache_size = -1024")
    conn.execute("BEGIN IMMEDIATE")
    deferred.drop(conn)
    fill_posts(conn, posts)
    conn.set_progress_handler(watcher, 2000)
    try:
        deferred.restore(conn)
    finally:
        conn.set_progress_handler(None, 0)
    conn.execute("COMMIT")
    return deferred, watcher


def files_holding(root: Path, needle: bytes) -> list[Path]:
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if needle in path.read_bytes():
                found.append(path)
    return found


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_process, "PROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
    monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)


def test_plain_store_sorts_on_disk_in_a_private_folder_beside_it(tmp_path, make_store):
    store = make_store()
    before = index_sql(store)
    deferred, watcher = rebuild_watched(store, 60_000)
    assert deferred.on_disk and not deferred.budgeted
    # the sort spilled to files in the scratch folder beside the store (a plain store's keys
    # are in clear in the store file anyway)
    scratch = [t for t in watcher.temporary if t.startswith(f"{tmp_path}/.triage-sort.")]
    assert scratch, watcher.temporary
    assert watcher.in_clear  # the watcher sees a sort's keys when they are on disk
    assert not list(tmp_path.glob(".triage-sort.*"))  # the folder is gone
    # the connection is as before: temporary data in memory, no temporary folder named
    assert store.scalar("PRAGMA temp_store") == 0
    assert store.conn.execute("PRAGMA temp_store_directory").fetchall() == []
    assert index_sql(store) == before
    assert store.scalar("SELECT count(*) FROM posts INDEXED BY posts_posted") == 60_000
    assert store.scalar("PRAGMA integrity_check") == "ok"


def test_encrypted_store_never_sorts_on_disk(tmp_path, make_store):
    store = make_store("enc.db", key=os.urandom(32))
    before = index_sql(store)
    deferred, watcher = rebuild_watched(store, 60_000)
    assert deferred.budgeted and not deferred.on_disk
    assert watcher.temporary == set()  # no temporary file was ever open
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert files_holding(tmp_path, KEY_MARK) == []
    assert index_sql(store) == before
    assert store.scalar("PRAGMA integrity_check") == "ok"


def test_encrypted_bulk_import_builds_the_indexes_at_the_budget(
    tmp_path, make_store, monkeypatch, caplog
):
    source = write(tmp_path / "posts.jsonl", 5000)
    ordinary_store = make_store("ordinary.db", key=os.urandom(32))
    [ordinary] = import_paths(ordinary_store, [source], enrich=False)
    expected = snapshot(ordinary_store)
    monkeypatch.setattr(parse_process, "PROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
    monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)
    monkeypatch.setattr(bulk_load, "SORT_BUDGET_ROWS", 1500)
    store = make_store("bounded.db", key=os.urandom(32))
    with caplog.at_level(logging.INFO, logger=bulk_load.__name__):
        [bounded] = import_paths(store, [source], enrich=False)
    assert [r.getMessage() for r in caplog.records if "indexes built" in r.getMessage()] == [
        "bulk load: indexes built at 1500 posts (encrypted store)"
    ]
    assert summary_of(bounded) == summary_of(ordinary)
    assert snapshot(store) == expected
    assert len(expected["indexes"]) >= 7  # type: ignore[arg-type]
    # a store already past the budget keeps its indexes: no sort of it all in memory
    assert should_defer(store.conn, 10**9) is False
    [again] = import_paths(store, [source], enrich=False)
    assert again.inserted == 0 and again.present == 5000


def test_plain_store_is_not_held_to_the_budget(tmp_path, make_store, monkeypatch):
    monkeypatch.setattr(bulk_load, "SORT_BUDGET_ROWS", 10)
    store = make_store()
    store.conn.execute("BEGIN IMMEDIATE")
    fill_posts(store.conn, 50)
    store.conn.execute("COMMIT")
    assert should_defer(store.conn, 10**9) is True


def test_cancelled_encrypted_import_past_the_budget_keeps_the_indexes(
    tmp_path, make_store, fast, monkeypatch
):
    monkeypatch.setattr(bulk_load, "SORT_BUDGET_ROWS", 1500)
    store = make_store("enc.db", key=os.urandom(32))
    before = index_sql(store)
    source = write(tmp_path / "posts.jsonl", 7000)
    calls = [0]

    def cancelled() -> bool:
        calls[0] += 1
        return calls[0] > 2  # after two batches: the indexes were built again at 1,500 posts

    [result] = import_paths(store, [source], enrich=False, cancelled=cancelled)
    assert result.error and "cancelled" in result.error
    assert store.scalar("SELECT count(*) FROM posts") == 0
    assert index_sql(store) == before
    assert store.scalar("PRAGMA integrity_check") == "ok"


def test_plain_bulk_import_takes_the_disk_path_and_gives_the_same_store(
    tmp_path, make_store, fast, monkeypatch
):
    source = write(tmp_path / "posts.jsonl", 3000)
    monkeypatch.setattr(bulk_load, "MIN_POSTS", 10**9)  # the ordinary path first
    ordinary_store = make_store("ordinary.db")
    [ordinary] = import_paths(ordinary_store, [source], enrich=False)
    expected = snapshot(ordinary_store)
    monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
    made: list[Path] = []
    real = bulk_load.make_scratch

    def noting(parent: Path, kind: str) -> Path:
        made.append(real(parent, kind))
        return made[-1]

    monkeypatch.setattr(bulk_load, "make_scratch", noting)
    store = make_store("bulk.db")
    [bulk] = import_paths(store, [source], enrich=False)
    assert [p.parent for p in made] == [tmp_path]
    assert made[0].name.startswith(".triage-sort.") and not made[0].exists()
    assert summary_of(bulk) == summary_of(ordinary)
    assert snapshot(store) == expected


def test_bounded_account_id_cache_gives_the_same_store(tmp_path, make_store, monkeypatch):
    # the writer's account-id cache is emptied past its bound; the store gives the same ids
    source = write(tmp_path / "posts.jsonl", 3000)
    ordinary_store = make_store("ordinary.db")
    import_paths(ordinary_store, [source], enrich=False)
    monkeypatch.setattr(pipeline, "ACCOUNT_IDS_KEPT", 2)
    monkeypatch.setattr(pipeline, "BATCH", 50)  # many batches, each asking for 7 accounts
    store = make_store("small-cache.db")
    [result] = import_paths(store, [source], enrich=False)
    assert result.inserted == 3000
    assert snapshot(store) == snapshot(ordinary_store)
    assert store.scalar("SELECT count(*) FROM accounts") == 14


def test_plain_import_killed_during_the_disk_sort_keeps_every_index(tmp_path):
    env = cli_env(tmp_path / "k")  # a plain store
    seed = run_cli(["import", str(write_posts(tmp_path / "seed.jsonl", 50)), "--no-enrich"], env)
    assert seed.code == 0, seed.err
    store = open_as_cli(env)
    try:
        expected = index_sql(store)
    finally:
        store.close()
    data = Path(env["TRIAGE_DB"]).parent
    big = write_posts(tmp_path / "big.jsonl", 100_000, start=10_000_000)
    proc = popen_cli(
        ["import", str(big), "--no-enrich"],
        env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # SIGKILL while the indexes are being built (the sort's folder exists only then)
    while proc.poll() is None and not list(data.glob(".triage-sort.*")):
        time.sleep(0.001)
    assert proc.poll() is None, "the import ended before its sort was seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(data.glob(".triage-sort.*"))  # left by the killed process
    store = open_as_cli(env)
    try:
        assert store.scalar("PRAGMA integrity_check") == "ok"
        assert store.scalar("SELECT count(*) FROM posts") == 50
        assert index_sql(store) == expected
    finally:
        store.close()
    assert not list(data.glob(".triage-sort.*"))  # removed when the store was opened
