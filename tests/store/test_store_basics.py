"""The store's foundations: pragmas, migrations, append-only audit chain."""

from __future__ import annotations

import pytest

from triage_app.core.errors import StoreVersionError, TriageError
from triage_app.store import open_store
from triage_app.store.audit import append_audit, verify_audit
from triage_app.store.connection import connect
from triage_app.store.migrations import latest_version


@pytest.mark.sqlite_only("SQLite's own connection PRAGMAs (WAL, synchronous, busy_timeout)")
def test_every_pragma_holds_on_a_fresh_connection(make_store, tmp_path):
    store = make_store()
    store.close()
    conn = connect(tmp_path / "store.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()


def test_first_user_is_supervisor_and_taxonomy_is_loaded(make_store):
    store = make_store(user="sam")
    assert store.role_of("sam") == "supervisor"
    assert "boat_crossing" in store.taxonomy
    assert store.taxonomy["not_relevant"].kind == "disposition"


def test_the_last_supervisor_is_never_demoted(make_store):
    """`users add sam --role analyst` by the store's only supervisor would leave nobody to
    approve, refer or register keys: refused in one line, nothing changed; with a second
    supervisor it is allowed."""
    from triage_app.store.users import add_user

    store = make_store(user="sam")
    audit_rows = store.scalar("SELECT count(*) FROM audit")
    with pytest.raises(TriageError, match="only supervisor; add another supervisor") as refused:
        add_user(store, "sam", "analyst")
    assert "\n" not in str(refused.value)
    assert store.role_of("sam") == "supervisor"
    assert store.scalar("SELECT count(*) FROM audit") == audit_rows
    add_user(store, "sue", "supervisor")
    add_user(store, "sam", "analyst")
    assert store.scalar("SELECT role FROM users WHERE name = 'sam'") == "analyst"


def test_a_store_from_a_newer_version_is_refused(make_store, tmp_path):
    store = make_store()
    newest = store.conn.execute("PRAGMA user_version").fetchone()[0]  # this backend's newest
    assert newest >= latest_version()
    store.conn.execute(f"PRAGMA user_version = {newest + 1}")
    store.close()
    with pytest.raises(StoreVersionError, match="newer version"):
        open_store(store.path, user="alice")


def test_opening_a_missing_store_does_not_create_it(tmp_path):
    with pytest.raises(TriageError, match="No store"):
        open_store(tmp_path / "absent.db", user="alice")
    assert not (tmp_path / "absent.db").exists()


def test_a_file_that_is_not_a_store_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(TriageError, match="wrong key or damaged store"):
        open_store(path, user="alice")
    assert path.read_bytes() == before


def test_audit_rows_cannot_be_updated_or_deleted(make_store):
    store = make_store()
    with store.transaction() as conn:
        append_audit(conn, "alice", "test", "post", 1, {"x": 1})
    with pytest.raises(Exception, match="append-only"):
        store.execute("UPDATE audit SET actor = 'mallory'")
    with pytest.raises(Exception, match="append-only"):
        store.execute("DELETE FROM audit")
    assert store.scalar("SELECT actor FROM audit") == "alice"


def test_audit_verify_names_the_first_altered_row(make_store):
    store = make_store()
    for i in range(5):
        with store.transaction() as conn:
            append_audit(conn, "alice", "tag", "post", i, {"n": i})
    assert verify_audit(store.conn).ok
    third = store.scalar("SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET 2")
    store.execute("DROP TRIGGER audit_no_update")
    store.execute("UPDATE audit SET detail = '{\"n\":99}' WHERE id = ?", (third,))
    check = verify_audit(store.conn)
    assert not check.ok
    assert check.first_bad_id == third
    assert "hash" in (check.reason or "")


def test_decisions_are_append_only(make_store, tmp_path):
    import json

    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.decisions import apply_tags

    store = make_store()
    path = tmp_path / "one.jsonl"
    path.write_text(
        json.dumps({"platform": "x", "post_id": "1", "created_at": "2025-01-01", "text": "boat"})
        + "\n"
    )
    import_paths(store, [path])
    apply_tags(store, [1], add=["boat_crossing"])
    with pytest.raises(Exception, match="append-only"):
        store.execute("DELETE FROM decisions")
    with pytest.raises(Exception, match="append-only"):
        store.execute("UPDATE decisions SET actor = 'mallory'")
    assert store.scalar("SELECT actor FROM decisions") == "alice"
