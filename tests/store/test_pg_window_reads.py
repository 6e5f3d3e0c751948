"""The window's reads on a team server (issue 16: the window's figures as on SQLite). Measured
with tests/perf/bench_pg_window.py, a far jump on the server cost two to three times SQLite's:
each statement is a round trip, and psycopg's own work per statement and per row showed in the
profile. These pin what was cut, by counting (statements sent, description objects built),
not by timing: a page of the queue is one statement (it was three: rows, tags, cluster sizes),
reading a result's rows does not rebuild its description per row, a search's first rows pick
their form by the page's length, and "is this word in any post" uses the index."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.store.keys_helpers import write_posts
from triage_app.ingest.pipeline import import_paths
from triage_app.store.connection import open_store
from triage_app.store.decisions import apply_tags, current_tags
from triage_app.store.enrich import enrich_pending
from triage_app.store.queue import QueueQuery, queue_ids, queue_rows, queue_sql
from triage_app.store.search_pg import MATCHES_FIRST_SQL, WALK_SQL, walk_threshold

POSTS = 30


@pytest.fixture
def owner(pg_server: Any, tmp_path: Any) -> Any:
    """The store's owner on a server store of 30 enriched posts (all in one cluster: the same
    text), two of them tagged."""
    store = open_store(pg_server.fresh_database(), create=True)
    try:
        import_paths(store, [write_posts(tmp_path / "posts.jsonl", POSTS)], enrich=False)
        enrich_pending(store)
        yield store
    finally:
        store.close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement psycopg sends from now on (each is one round trip)."""
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        statements.append(str(query))
        return execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return statements


def test_a_page_of_the_queue_is_one_statement_with_its_tags_and_cluster_sizes(
    owner: Any, sent: list[str]
) -> None:
    ids = list(queue_ids(owner, QueueQuery(status="")))
    apply_tags(owner, [ids[0]], add=["boat_crossing", "fake_documents"])
    apply_tags(owner, [ids[1]], add=["boat_crossing"])
    del sent[:]

    rows = queue_rows(owner, ids)

    assert len(sent) == 1, sent
    assert [r.id for r in rows] == ids
    for r in rows[:3]:
        assert list(r.tags) == sorted(current_tags(owner, r.id))
    assert rows[0].tags == ("boat_crossing", "fake_documents")
    assert rows[2].tags == ()
    sizes = dict(owner.execute("SELECT id, size FROM clusters").fetchall())
    clusters = dict(owner.execute("SELECT id, cluster_id FROM posts").fetchall())
    assert [r.cluster_size for r in rows] == [sizes[clusters[r.id]] for r in rows]
    assert rows[0].cluster_size == POSTS


def test_a_cluster_missing_from_its_table_is_counted(owner: Any) -> None:
    """Enrichment under way: a post's cluster not yet in ``clusters`` still shows its size."""
    ids = list(queue_ids(owner, QueueQuery(status="")))
    owner.execute("DELETE FROM clusters")
    assert {r.cluster_size for r in queue_rows(owner, ids)} == {POSTS}


def test_running_and_reading_a_statement_builds_no_description(
    owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg makes the description's column objects afresh each time it is asked: asked per
    row (as the adapter's fetchone did), a 200-row page of nine columns built 1,800 of them;
    asked twice per statement to learn whether it returned rows, 204 per tag key. The adapter
    asks the result's status instead, and builds a description only for a caller that asks."""
    asked = [0]
    plain = psycopg.Cursor.description

    def counting(self: Any) -> Any:
        asked[0] += 1
        return plain.__get__(self)

    monkeypatch.setattr(psycopg.Cursor, "description", property(counting))
    rows = list(owner.execute("SELECT generate_series(1, 500), 'x'"))
    assert [r[0] for r in rows] == list(range(1, 501))
    cursor = owner.execute("SELECT generate_series(1, 5)")
    assert cursor.fetchone() == (1,)
    assert cursor.fetchmany(2) == [(2,), (3,)]
    assert cursor.fetchall() == [(4,), (5,)]
    assert cursor.fetchone() is None
    assert asked[0] == 0, asked[0]
    # a statement without rows reads as none, however asked
    done = owner.execute("UPDATE posts SET note = note WHERE id < 0")
    assert done.fetchone() is None and done.fetchall() == [] and list(done) == []
    assert owner.execute("SELECT 1 WHERE false").fetchall() == []  # rows, but none
    assert asked[0] == 0, asked[0]
    assert [c[0] for c in owner.execute("SELECT 1 AS one, 2 AS two").description] == [
        "one",
        "two",
    ]


def test_a_longer_first_page_of_a_search_takes_its_matches_first_sooner(owner: Any) -> None:
    """The window's first rows of a search are 400 ids: walking the queue for 400 matches
    reads four times as far as for the 100 the threshold was measured for."""
    assert walk_threshold(100_000, 100) == pytest.approx(1581, abs=1)
    assert walk_threshold(100_000, None) == walk_threshold(100_000, 100)
    assert walk_threshold(100_000, 400) == pytest.approx(4 * walk_threshold(100_000, 100))
    assert walk_threshold(100_000, 20) == walk_threshold(100_000, 100)
    owner.conn.raw.execute("ANALYZE")
    # "boat" is in all 30 posts: above 5 x sqrt(30) = 27 for 100 ids, below 110 for 400.
    query = QueueQuery(status="", search="boat")
    assert WALK_SQL.replace("?", "") in queue_sql(owner, query, limit=100)[0].replace("?", "")
    assert MATCHES_FIRST_SQL.replace("?", "") in queue_sql(owner, query, limit=400)[0].replace(
        "?", ""
    )
    assert len(queue_ids(owner, query, limit=400)) == POSTS


def test_whether_a_word_is_in_some_post_on_the_server(owner: Any) -> None:
    """The "did you mean" check of a search that found nothing (search_suggest._in_some_post):
    asked through the index for a word the planner takes for rare, where ``LIMIT 1`` made it
    read every post (0.7-0.9 s at 1M posts for a word in none)."""
    from triage_app.store.queue import search_match
    from triage_app.store.search_pg import NOTHING, any_match

    owner.conn.raw.execute("ANALYZE")
    for word, expected in [("boat", True), ("agent", True), ("passport", False), ("zzqq", False)]:
        assert any_match(owner.conn, search_match(owner, word)[1]) is expected, word
    assert any_match(owner.conn, NOTHING) is False


# Statements for one post's preview (post_detail as the preview asks it): 16-20 per post on the
# demo store before the post row, account, import, cluster size, returning reason and
# enrichment mark were read in one statement, a tag's author taken from the post's decisions
# (not read again), the text's and pictures' indicators read together, and a post without
# media or approval not asked about its pictures, videos or self-approval; 8-12 after.
PREVIEW_STATEMENTS = 9


def test_a_post_s_preview_is_a_few_statements_on_the_server(owner: Any, sent: list[str]) -> None:
    from triage_app.store.post_detail import post_detail

    ids = list(queue_ids(owner, QueueQuery(status="")))
    apply_tags(owner, [ids[0]], add=["boat_crossing", "fake_documents"])
    apply_tags(owner, [ids[0]], remove=["fake_documents"])
    post_detail(owner, ids[1], explain=False, account_counts=False)  # tables looked up once
    del sent[:]

    detail = post_detail(owner, ids[0], explain=False, account_counts=False)

    assert len(sent) <= PREVIEW_STATEMENTS, "\n".join(sent)
    assert [t["key"] for t in detail["tags"]] == ["boat_crossing"]
    assert [d["tag"] for d in detail["decisions"]] == [
        "boat_crossing",
        "fake_documents",
        "fake_documents",
    ]
    assert detail["tags"][0]["by"] == detail["decisions"][0]["by"] == owner.user
    assert detail["cluster"] == {"id": detail["cluster"]["id"], "size": POSTS}
    assert detail["account"]["handle"] and detail["source"]["format"] == "jsonl"
    assert detail["indicators"]  # enriched: read from the table
