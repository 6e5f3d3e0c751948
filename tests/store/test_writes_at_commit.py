"""A transaction's writes answered at its COMMIT (Store.writes_answered_at_commit): on a team
server they are sent together in one pipeline and the COMMIT waits for them (one round trip);
locally nothing changes. The same results on both backends: what a transaction writes is
stored when it commits and not at all when it fails, whichever statement fails and when."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.store.keys_helpers import write_posts
from triage_app.ingest.pipeline import import_paths
from triage_app.store.connection import DatabaseError


@pytest.fixture
def store(make_store: Any, tmp_path: Any) -> Any:
    opened = make_store()
    import_paths(opened, [write_posts(tmp_path / "posts.jsonl", 3)], enrich=False)
    return opened


def _notes(store: Any) -> list[Any]:
    return [r[0] for r in store.execute("SELECT note FROM posts ORDER BY id").fetchall()]


def test_the_writes_are_stored_at_the_commit(store: Any) -> None:
    with store.transaction() as conn:
        store.writes_answered_at_commit()
        conn.execute("UPDATE posts SET note = 'a'")
        conn.execute("UPDATE posts SET note = note || 'b' WHERE id = (SELECT min(id) FROM posts)")
    assert _notes(store) == ["ab", "a", "a"]
    assert not store.conn.in_transaction


def test_a_read_after_them_sees_them(store: Any) -> None:
    with store.transaction() as conn:
        store.writes_answered_at_commit()
        conn.execute("UPDATE posts SET note = 'seen'")
        assert conn.execute("SELECT count(*) FROM posts WHERE note = 'seen'").fetchone()[0] == 3
        conn.execute("UPDATE posts SET note = 'after'")  # sent as usual, after the read
    assert _notes(store) == ["after"] * 3


def test_an_error_in_the_caller_rolls_them_back(store: Any) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"), store.transaction() as conn:
        store.writes_answered_at_commit()
        conn.execute("UPDATE posts SET note = 'lost'")
        raise RuntimeError("changed my mind")
    assert _notes(store) == [None] * 3
    assert not store.conn.in_transaction


@pytest.mark.parametrize("then", ["commit", "wait then commit", "wait then write"])
def test_a_write_the_store_refuses_fails_the_transaction_and_keeps_nothing(
    store: Any, then: str
) -> None:
    """The first write is fine, the second breaks a constraint (a post's identity is unique):
    locally it fails at once; on a server at the COMMIT, or, when its answer is back before
    the next statement is sent (the waits), at that statement. Either way neither is stored
    and the connection is outside any transaction, ready for the next."""
    first, second = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id LIMIT 2")]
    with pytest.raises(DatabaseError), store.transaction() as conn:
        store.writes_answered_at_commit()
        conn.execute("UPDATE posts SET note = 'lost' WHERE id = ?", (first,))
        conn.execute(
            "UPDATE posts SET platform_post_id = (SELECT platform_post_id FROM posts "
            "WHERE id = ?), platform = (SELECT platform FROM posts WHERE id = ?) "
            "WHERE id = ?",
            (first, first, second),
        )
        if then != "commit":
            time.sleep(0.2)  # the server's answer (the error) is back meanwhile
        if then == "wait then write":
            conn.execute("UPDATE posts SET note = 'lost too'")
    assert not store.conn.in_transaction
    assert _notes(store) == [None] * 3
    with store.transaction() as conn:
        conn.execute("UPDATE posts SET note = 'next' WHERE id = ?", (first,))
    assert _notes(store)[0] == "next"


def test_a_write_s_row_count_and_id_are_not_claimed_before_the_commit(store: Any) -> None:
    """Locally a write's row count is known at once. On a server it is sqlite3's "unknown"
    (-1) until the COMMIT, and asking for a generated id is refused in one line, never
    answered with a wrong one."""
    with store.transaction() as conn:
        store.writes_answered_at_commit()
        cur = conn.execute("UPDATE posts SET note = 'n'")
        inserted = conn.execute("INSERT INTO meta(key, value) VALUES ('written', 'later')")
        if store.backend == "postgresql":
            assert cur.rowcount == -1
            with pytest.raises(DatabaseError, match="no generated id yet"):
                _ = inserted.lastrowid
        else:
            assert cur.rowcount == 3
    assert store.meta("written") == "later"
    assert _notes(store) == ["n"] * 3
