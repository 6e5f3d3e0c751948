"""Several reads answered together (Store.read_together): on a team server one round trip for
all of them (psycopg's pipeline mode), where each statement alone is one; locally one after
another. A post's preview reads eight tables this way, on every tag key's path (issue 16).

What each kind of bad input gets: a statement that is not a SELECT is refused before anything
is sent (ValueError, a programming mistake); a read the server refuses (a column that does not
exist) is the same one-line error class as SQLite's, and the connection answers the next read."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.store.keys_helpers import write_posts
from triage_app.ingest.pipeline import import_paths
from triage_app.store.connection import OperationalError, open_store
from triage_app.store.decisions import apply_tags
from triage_app.store.post_detail import post_detail


@pytest.fixture
def store(make_store: Any, tmp_path: Any) -> Any:
    opened = make_store()
    import_paths(opened, [write_posts(tmp_path / "posts.jsonl", 5)], enrich=False)
    return opened


def test_each_read_s_rows_in_order_as_if_read_alone(store: Any) -> None:
    ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id").fetchall()]
    reads = [
        ("SELECT count(*) FROM posts", ()),
        ("SELECT id FROM posts WHERE id > ? ORDER BY id", (ids[2],)),
        ("SELECT id FROM posts WHERE id = ?", (-1,)),
        ("SELECT tag FROM post_tags WHERE post_id = ? ORDER BY tag", (ids[0],)),
    ]
    together = store.read_together(reads)
    alone = [store.execute(sql, params).fetchall() for sql, params in reads]
    assert [list(map(tuple, rows)) for rows in together] == [
        list(map(tuple, rows)) for rows in alone
    ]
    assert together[0][0][0] == 5
    assert [r[0] for r in together[1]] == ids[3:]
    assert together[2] == []
    assert store.read_together([]) == []


def test_inside_a_transaction_the_reads_see_its_writes(store: Any) -> None:
    post = store.scalar("SELECT min(id) FROM posts")
    with store.transaction() as conn:
        conn.execute("UPDATE posts SET note = ? WHERE id = ?", ("seen", post))
        (rows,) = store.read_together([("SELECT note FROM posts WHERE id = ?", (post,))])
        assert rows[0][0] == "seen"
    assert store.scalar("SELECT note FROM posts WHERE id = ?", (post,)) == "seen"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE posts SET note = 'x'",
        "DELETE FROM post_tags",
        "INSERT INTO meta(key, value) VALUES ('a', 'b')",
        "PRAGMA user_version",
    ],
)
def test_anything_but_a_select_is_refused_before_anything_is_sent(store: Any, sql: str) -> None:
    notes = store.execute("SELECT count(*) FROM posts WHERE note IS NOT NULL").fetchone()[0]
    with pytest.raises(ValueError, match="SELECTs only"):
        store.read_together([("SELECT 1", ()), (sql, ())])
    assert store.scalar("SELECT count(*) FROM posts WHERE note IS NOT NULL") == notes
    assert store.scalar("SELECT count(*) FROM post_tags") == 0


def test_a_read_the_store_refuses_is_one_error_and_the_next_reads_work(store: Any) -> None:
    with pytest.raises(OperationalError, match="nope") as caught:
        store.read_together([("SELECT 1", ()), ("SELECT nope FROM posts", ()), ("SELECT 2", ())])
    assert "Traceback" not in str(caught.value)
    assert not store.conn.in_transaction
    assert store.read_together([("SELECT 3", ())]) == [[(3,)]]


# -- on a team server ---------------------------------------------------------------------------


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per wait for the server: a statement sent alone, or a whole pipeline."""
    trips: list[str] = []
    execute, pipeline = psycopg.Cursor.execute, psycopg.Connection.pipeline

    def counted(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if self.connection._pipeline is None:
            trips.append(str(query))
        return execute(self, query, params, **kwargs)

    def counted_pipeline(self: Any) -> Any:
        trips.append("pipeline")
        return pipeline(self)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    monkeypatch.setattr(psycopg.Connection, "pipeline", counted_pipeline)
    return trips


@pytest.fixture
def server_store(pg_server: Any, tmp_path: Any) -> Any:
    opened = open_store(pg_server.fresh_database(), create=True)
    try:
        import_paths(opened, [write_posts(tmp_path / "posts.jsonl", 5)], enrich=False)
        yield opened
    finally:
        opened.close()


@pytest.mark.postgresql
def test_a_post_s_preview_is_read_in_one_round_trip(
    server_store: Any, round_trips: list[str]
) -> None:
    """The post with its account, source and cluster, its media, decisions, indicators,
    refused media, tags, its account's outcomes and its referrals: eight statements, one
    pipeline (it was eight round trips)."""
    post = server_store.scalar("SELECT min(id) FROM posts")
    server_store.execute("SELECT 1")  # the session and the tables' descriptions, once
    post_detail(server_store, post, explain=False, account_counts=False)
    del round_trips[:]

    detail = post_detail(server_store, post, explain=False, account_counts=False)

    assert round_trips == ["pipeline"], round_trips
    assert detail["id"] == post and detail["tags"] == [] and detail["decisions"] == []


@pytest.mark.postgresql
def test_a_post_s_preview_read_together_says_what_reading_alone_said(server_store: Any) -> None:
    """The same detail as the statements sent one by one (the local store's way), for a post
    with a tag and its decision."""
    post = server_store.scalar("SELECT min(id) FROM posts")
    apply_tags(server_store, [post], add=["boat_crossing"])
    conn = server_store.conn
    together = post_detail(server_store, post, explain=False, account_counts=False)
    conn.read_together = lambda reads: [conn.execute(s, p).fetchall() for s, p in reads]
    try:
        alone = post_detail(server_store, post, explain=False, account_counts=False)
    finally:
        del conn.read_together
    assert together == alone
    assert [t["key"] for t in together["tags"]] == ["boat_crossing"]
    assert [d["kind"] for d in together["decisions"]] == ["tag"]


@pytest.mark.postgresql
def test_a_session_the_server_ended_is_replaced_and_the_reads_sent_again(
    server_store: Any,
) -> None:
    """The server restarted (here: ended the session) between two previews: the next read
    together takes a new session, as a statement sent alone does, instead of failing."""
    other = server_store.reopen()
    try:
        pid = other.conn.raw.info.backend_pid
        server_store.execute("SELECT pg_terminate_backend(?)", (pid,))
        (rows,) = other.read_together([("SELECT count(*) FROM posts", ())])
        assert rows == [(5,)]
        assert other.conn.reconnects == 1
        assert other.conn.raw.info.backend_pid != pid
    finally:
        other.close()
