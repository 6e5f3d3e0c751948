"""Migration 16: a store whose full-text index holds the raw text (every store before issue
15) is re-folded in place when opened, with progress; new posts, edits and account renames go
through the triggers in their search form; the post text itself is never changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from triage_app.store import open_store
from triage_app.store.connection import _split_sql, migrate
from triage_app.store.migrations import all_migrations
from triage_app.store.queue import QueueQuery, queue_ids

TEXTS = ["قارب إلى إيطاليا", "قایق ۳۵۰۰ یورو", "Boat to Italy 2800", "السعر ٢٨٠٠"]


def _old_store(path: Path, posts: int = 0) -> None:
    """A store at schema 15 (before the search form), its index filled by the old triggers."""
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in all_migrations():
        if migration.version >= 16:
            break
        for statement in _split_sql(migration.sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {migration.version}")
    conn.execute("INSERT INTO meta VALUES ('store_id', 'old-store'), ('created', 'then')")
    conn.execute(
        "INSERT INTO users(name, role, added_by, added_at) "
        "VALUES ('alice', 'supervisor', 'alice', 't')"
    )
    conn.execute(
        "INSERT INTO imports(id, uuid, path, sha256, size, format, actor, started_at) "
        "VALUES (1, 'i1', 'p', 'h', 0, 'jsonl', 'alice', 't')"
    )
    conn.execute(
        "INSERT INTO accounts(id, uuid, platform, platform_account_id, handle, display_name) "
        "VALUES (1, 'a1', 'x', '1', 'وكيل_ایران', 'Agent')"
    )
    rows = [(TEXTS[i % len(TEXTS)], i) for i in range(max(posts, len(TEXTS)))]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO posts(uuid, platform, platform_post_id, account_id, text, import_id, "
        "imported_at) VALUES ('u' || ?2, 'x', ?2, 1, ?1, 1, 't')",
        rows,
    )
    conn.execute("COMMIT")
    conn.close()


def _ids(store, search):
    return sorted(queue_ids(store, QueueQuery(search=search)))


def test_an_old_index_is_refolded_when_the_store_opens(tmp_path):
    path = tmp_path / "old.db"
    _old_store(path)
    raw = sqlite3.connect(path)
    # The old index: Arabic digits and hamza forms as typed, so these found nothing.
    assert (
        raw.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH '3500'").fetchone()[0]
        == 0
    )
    raw.close()
    store = open_store(path, user="alice")
    assert store.scalar("PRAGMA user_version") >= 16
    assert _ids(store, "ايطاليا") == [1]
    assert _ids(store, "3500") == [2]
    assert _ids(store, "2800") == [3, 4]
    assert _ids(store, "وكيل_ايران") == [1, 2, 3, 4]  # the handle too
    assert store.scalar("SELECT text FROM posts WHERE id = 4") == "السعر ٢٨٠٠"  # untouched
    assert store.meta("search_fold_version") == "1"


def test_triggers_write_the_search_form(tmp_path):
    path = tmp_path / "old.db"
    _old_store(path)
    store = open_store(path, user="alice")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO posts(uuid, platform, platform_post_id, account_id, text, import_id, "
            "imported_at) VALUES ('u9', 'x', '9', 1, 'الى أوروبا ١٥٠٠', 1, 't')"
        )
        conn.execute("UPDATE posts SET text = 'كەشتی ۴۰۰۰' WHERE id = 1")
        conn.execute("UPDATE accounts SET handle = 'مهرب_ک' WHERE id = 1")
    assert _ids(store, "اوروبا 1500") == [5]
    assert _ids(store, "كەشتي 4000") == [1]
    assert _ids(store, "ايطاليا") == []
    assert _ids(store, "مهرب_ك") == [1, 2, 3, 4, 5]


def test_the_upgrade_reports_progress(tmp_path):
    path = tmp_path / "old.db"
    _old_store(path, posts=12000)
    from triage_app.store.connection import connect

    conn = connect(path)
    heard: list[tuple[int, int]] = []
    migrate(conn, path, progress=lambda done, total: heard.append((done, total)))
    assert heard[-1] == (12000, 12000) and len(heard) >= 3  # batches of 5,000
    assert (
        conn.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH '3500'").fetchone()[0]
        == 3000
    )
    conn.close()
