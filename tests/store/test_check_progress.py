"""Long checks say how far they are (issue 17: `db check` and `audit verify` on a 10M-post store
take minutes): the audit chain walk reports rows done of rows in the chain, and the store check
says which PRAGMA is still running and for how long (SQLite gives no fraction for one PRAGMA).
A failed chain still stops at its first bad row, progress or not."""

from __future__ import annotations

import pytest

from tests.store.keys_helpers import write_posts
from triage_app.ingest.pipeline import import_paths
from triage_app.store import audit, encryption
from triage_app.store.audit import verify_audit


def test_the_chain_walk_reports_rows_done_of_the_chain(make_store, tmp_path, monkeypatch):
    store = make_store(user="sue")
    import_paths(store, [write_posts(tmp_path / "p.jsonl", 30)])
    rows = store.scalar("SELECT count(*) FROM audit")
    assert rows >= 2
    monkeypatch.setattr(audit, "PROGRESS_ROWS", 1)
    heard: list[tuple[int, int]] = []
    check = verify_audit(store.conn, lambda done, total: heard.append((done, total)))
    assert check.ok and check.rows == rows
    assert heard[-1] == (rows, rows)  # the end is always said
    assert [d for d, _t in heard[:-1]] == list(range(1, rows + 1))
    assert all(t == rows for _d, t in heard)
    assert verify_audit(store.conn) == check  # and without progress, the same answer


@pytest.mark.sqlite_only("db check runs SQLite's PRAGMAs on the store file")
def test_the_store_check_says_which_check_is_still_running(make_store, tmp_path, monkeypatch):
    store = make_store(user="sue")
    import_paths(store, [write_posts(tmp_path / "p.jsonl", 200)])
    path = store.path
    store.close()
    monkeypatch.setattr(encryption, "CHECK_TICK_SECONDS", 0.0)  # every tick is reported
    monkeypatch.setattr(encryption, "CHECK_TICK_STEPS", 100)
    heard: list[tuple[str, float]] = []
    result = encryption.check_store(path, None, lambda stage, s: heard.append((stage, s)))
    assert result.ok
    assert heard and heard[0][0] == "integrity_check" and heard[0][1] >= 0
    assert {stage for stage, _s in heard} <= {"integrity_check", "cipher_integrity_check"}
