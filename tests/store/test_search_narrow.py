"""A search's first page whose matches sit deep in the queue is sorted from its matches through
the narrow index posts(id, priority, status) (migration 23, store/search_narrow.py) instead of
walking the order index past every post that does not match (issue 17), and walked when the
page's estimated depth makes the walk cheaper: the same ids in the same order as the whole
list's head either way; a store at migration 22 gets the index when opened; a bulk load drops
it and builds it again with the posts table's other indexes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.store.search_statements import statements
from tests.ui.fill import fill_posts
from triage_app.ingest import bulk_load
from triage_app.ingest.bulk_load import DeferredIndexes
from triage_app.store import open_store, search_narrow
from triage_app.store.migrations import all_migrations
from triage_app.store.queue import QueueQuery, queue_ids, queue_sql
from triage_app.store.search_map import map_condition
from triage_app.store.search_narrow import NARROW_INDEX

DEEP = "quagmire"  # in the 400 lowest-priority posts below
MIDDLE = "marmalade"  # in the 300 posts from the 2,101st of the queue down
SHALLOW = "boat"  # one post in twelve, spread through the queue
NARROW = f"INDEXED BY {NARROW_INDEX}"  # the narrow index (the sort's statement and the estimate's)
# The walk's test of an entry (store/search_map.py), as traced: its map bound in place of "?".
DEEP_WALK = map_condition("p.id").split("?", 1)[1]


def _sorts(seen: list[str]) -> list[str]:
    """The narrow sort's statements among ``seen`` (the estimate's look-ups are by a list)."""
    return [s for s in seen if NARROW in s and "json_each" in s]


SQLITE_ONLY = pytest.mark.sqlite_only("the narrow sort is SQLite's; PostgreSQL plans its own")


@pytest.fixture
def store(make_store):
    s = make_store()
    fill_posts(s, 3000, seed=7)  # each of the twelve texts in 250 posts
    with s.transaction():
        s.execute(
            f"UPDATE posts SET text = text || ' {DEEP}' WHERE id IN "
            "(SELECT id FROM posts ORDER BY priority, id LIMIT 400)"
        )
        s.execute(
            f"UPDATE posts SET text = text || ' {MIDDLE}' WHERE id IN "
            "(SELECT id FROM posts ORDER BY priority DESC, id LIMIT 300 OFFSET 2100)"
        )
        s.execute("UPDATE posts SET status = 'tagged' WHERE id % 5 = 0")
    return s


SEARCHES = [DEEP, f"{DEEP} NOT boat", f"{DEEP} OR hawala", SHALLOW, MIDDLE, f"{MIDDLE} OR {DEEP}"]
BASES = [
    QueueQuery(),
    QueueQuery(status="new"),
    QueueQuery(status="tagged"),
    QueueQuery(descending=False),
    QueueQuery(status="new", descending=False),
]


def test_first_page_is_the_head_of_the_whole_list(store):
    for base in BASES:
        for search in SEARCHES:
            query = QueueQuery(**{**base.__dict__, "search": search})
            whole = list(queue_ids(store, query))
            assert len(whole) >= 50, query  # a page of 50 and more
            for limit in (1, 50, 100, 400):
                assert list(queue_ids(store, query, limit=limit)) == whole[:limit], (query, limit)


@pytest.fixture
def dear_walk(monkeypatch):
    """A walk's entry made as dear as a match's sort. At 3,000 posts the real costs walk every
    page (the whole queue's walk costs less than sorting 200 matches); a store of millions,
    whose deep pages lie millions of entries down, makes the choice this sets up."""
    monkeypatch.setattr(search_narrow, "WALK_US", search_narrow.NARROW_US)


@SQLITE_ONLY
@pytest.mark.parametrize("status", [None, "new"])
@pytest.mark.usefixtures("dear_walk")
def test_deep_matches_are_sorted_through_the_narrow_index(store, status):
    query = QueueQuery(search=DEEP, status=status)
    ids, seen = statements(store, query, 100)
    assert ids == list(queue_ids(store, query))[:100]
    [narrow] = _sorts(seen)
    assert not any(DEEP_WALK in s for s in seen), seen  # no walk of the whole order index
    # The plan: each match's priority and status from the narrow index alone, no post row.
    plan = " | ".join(r[3] for r in store.execute(f"EXPLAIN QUERY PLAN {narrow}"))
    assert f"SEARCH p USING COVERING INDEX {NARROW_INDEX} (id=?)" in plan, plan
    assert "INTEGER PRIMARY KEY" not in plan and "posts_status_priority" not in plan, plan


@SQLITE_ONLY
def test_a_shallow_word_is_not_sorted(store):
    query = QueueQuery(search=SHALLOW)
    ids, seen = statements(store, query, 100)
    assert ids == list(queue_ids(store, query))[:100]
    assert not _sorts(seen), seen  # its page was found before any sort


@SQLITE_ONLY
@pytest.mark.parametrize("status", [None, "new"])
def test_a_page_cheaper_walked_is_walked(store, status):
    """MIDDLE's page lies 2,100-2,400 posts down, seven times as deep as its 300 matches (a
    bounded walk of as many entries as matches, before, missed it and sorted them all), yet a
    walk of that depth costs less than their sort."""
    query = QueueQuery(search=MIDDLE, status=status)
    ids, seen = statements(store, query, 100)
    assert ids == list(queue_ids(store, query))[:100]
    assert not _sorts(seen), seen  # no narrow sort
    assert [s for s in seen if DEEP_WALK in s], seen
    sql, params = queue_sql(store, query, 100)  # the walk's statement, its map bound
    assert DEEP_WALK in sql and "posts_fts" not in sql, sql  # no b-tree of the matches
    plan = " | ".join(r[3] for r in store.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    index = "SEARCH p USING COVERING INDEX posts_status_priority (status=?)" if status else ""
    assert plan == (index or "SCAN p USING COVERING INDEX posts_priority"), plan  # no post row


@SQLITE_ONLY
@pytest.mark.usefixtures("dear_walk")
def test_a_store_at_migration_22_gets_the_narrow_index(store, monkeypatch):
    path = Path(store.scalar("SELECT file FROM pragma_database_list WHERE name = 'main'"))
    store.close()
    old = sqlite3.connect(path)  # as migration 22 left it: no narrow index
    old.execute(f"DROP INDEX {NARROW_INDEX}")
    old.execute("PRAGMA user_version = 22")
    old.commit()
    old.close()
    # A plain store big enough (the bound lowered here) sorts the index on disk beside it, as
    # a bulk load does, not all in memory (the 10M store's upgrade: 533 MB).
    monkeypatch.setattr(bulk_load, "MIGRATION_DISK_SORT", 1000)
    made: list[Path] = []
    real = bulk_load.make_scratch

    def scratch(*args: Any) -> Path:
        made.append(real(*args))
        return made[-1]

    monkeypatch.setattr(bulk_load, "make_scratch", scratch)
    opened = open_store(path, user="alice")
    assert [p.parent for p in made] == [path.parent] and not made[0].exists()
    try:
        assert opened.scalar("PRAGMA user_version") == all_migrations()[-1].version >= 23
        sql = opened.scalar("SELECT sql FROM sqlite_master WHERE name = ?", (NARROW_INDEX,))
        assert sql == f"CREATE INDEX {NARROW_INDEX} ON posts(id, priority, status)"
        query = QueueQuery(search=DEEP)
        ids, seen = statements(opened, query, 100)
        assert _sorts(seen) and ids == list(queue_ids(opened, query))[:100]
    finally:
        opened.close()


@SQLITE_ONLY
@pytest.mark.usefixtures("dear_walk")
def test_a_bulk_load_drops_and_rebuilds_the_narrow_index(store):
    names = "SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?"
    deferred = DeferredIndexes()
    with store.transaction():
        deferred.drop(store.conn)
        assert NARROW_INDEX in [name for name, _sql in deferred.dropped]
        assert not store.execute(names, (NARROW_INDEX,)).fetchall()
        deferred.restore(store.conn)
    assert store.execute(names, (NARROW_INDEX,)).fetchall()
    query = QueueQuery(search=DEEP)
    ids, seen = statements(store, query, 100)
    assert _sorts(seen) and ids == list(queue_ids(store, query))[:100]
