"""A first page of a common word is read from the queue's head alone (store/search_head.py):
the same ids in the same order as the whole list's head, without the walk that gathers every
match first; a word whose matches sit deep in the queue falls back to that walk (issue 17)."""

from __future__ import annotations

import pytest

from tests.store.search_statements import statements
from tests.ui.fill import fill_posts
from triage_app.store.queue import QueueQuery, queue_ids

DEEP = "quagmire"  # put into the lowest-priority posts below
# Past the head every match is gathered (store/search_map.py), then the order index walked or
# the matches sorted (store/search_narrow.py).
WALKS = ("SELECT group_concat(rowid) FROM posts_fts",)
PROBE = "search_head.head_fts"

SQLITE_ONLY = pytest.mark.sqlite_only("the head probe is SQLite's; PostgreSQL plans its own")


@pytest.fixture
def store(make_store):
    s = make_store()
    fill_posts(s, 3000, seed=5)  # each of the twelve texts in 250 posts
    with s.transaction():
        s.execute(
            f"UPDATE posts SET text = text || ' {DEEP}' WHERE id IN "
            "(SELECT id FROM posts ORDER BY priority, id LIMIT 400)"
        )
        s.execute("UPDATE posts SET status = 'tagged' WHERE id % 4 = 0")
    return s


COMMON = ["passports OR hawala OR boat", "boat OR passports NOT hawala", "bo* OR pass* OR mon*"]
SEARCHES = [*COMMON, '"half price" OR boat OR hawala', DEEP, f"{DEEP} OR boat", "boat"]
BASES = [QueueQuery(), QueueQuery(status="new"), QueueQuery(descending=False)]


def test_first_page_is_the_head_of_the_whole_list(store):
    for base in BASES:
        for search in SEARCHES:
            query = QueueQuery(**{**base.__dict__, "search": search})
            whole = list(queue_ids(store, query))
            assert len(whole) > 200, query  # more matches than the walk's threshold
            for limit in (1, 100, 200, 400):
                assert list(queue_ids(store, query, limit=limit)) == whole[:limit], (query, limit)


@SQLITE_ONLY
@pytest.mark.parametrize("status", [None, "new"])
def test_a_common_word_is_answered_from_the_head_without_the_walk(store, status):
    query = QueueQuery(search=COMMON[0], status=status)
    ids, seen = statements(store, query, 100)
    assert any(PROBE in s for s in seen), seen
    assert not any(w in s for s in seen for w in WALKS), seen  # every match was not gathered
    assert ids == list(queue_ids(store, query))[:100]


@SQLITE_ONLY
def test_matches_deep_in_the_queue_fall_back_to_the_walk(store):
    query = QueueQuery(search=DEEP)
    ids, seen = statements(store, query, 100)
    assert any(PROBE in s for s in seen), seen  # common enough to be worth the probe
    assert any(w in s for s in seen for w in WALKS), seen  # which found none of them in the head
    filled = [s for s in seen if s.startswith(f"INSERT INTO {PROBE}(rowid")]
    assert len(filled) == 1, seen  # after a taste of the head only: the rest not indexed
    assert ids == list(queue_ids(store, query))[:100]


@SQLITE_ONLY
def test_inside_a_transaction_the_walk_answers_alone(store):
    query = QueueQuery(search=COMMON[0])
    whole = list(queue_ids(store, query))
    with store.transaction():  # no ATTACH here: the probe is skipped, the walk answers
        ids, seen = statements(store, query, 100)
    assert ids == whole[:100]
    assert not any(PROBE in s for s in seen) and any(w in s for s in seen for w in WALKS), seen
    queue_ids(store, query, limit=100)  # attached now, and used inside a transaction too
    with store.transaction():
        ids, seen = statements(store, query, 100)
    assert ids == whole[:100] and any(PROBE in s for s in seen), seen


@SQLITE_ONLY
def test_the_head_index_is_in_memory_and_emptied(store):
    queue_ids(store, QueueQuery(search=COMMON[0]), limit=100)
    files = {row[1]: row[2] for row in store.execute("PRAGMA database_list")}
    assert files["search_head"] == ""  # in memory: no file holds the posts' text
    assert store.scalar("SELECT count(*) FROM search_head.head_fts_docsize") == 0


@SQLITE_ONLY
def test_an_encrypted_store_probes_its_head_too(make_store):
    s = make_store("sealed.db", key=bytes(range(32)))  # the in-memory index gets no key
    fill_posts(s, 1500, seed=3)
    query = QueueQuery(search=COMMON[0])
    ids, seen = statements(s, query, 100)
    assert any(PROBE in x for x in seen) and not any(w in x for x in seen for w in WALKS), seen
    assert ids == list(queue_ids(s, query))[:100]


@SQLITE_ONLY
def test_when_no_database_can_be_attached_the_walk_answers(store):
    query = QueueQuery(search=COMMON[0])
    whole = list(queue_ids(store, query))
    for i in range(125):  # up to SQLite's limit of attached databases, whatever it was built with
        try:
            store.execute(f"ATTACH DATABASE ':memory:' AS other{i} KEY ''")
        except Exception:
            break
    ids, seen = statements(store, query, 100)
    assert ids == whole[:100]
    assert not any(PROBE in s for s in seen) and any(w in s for s in seen for w in WALKS), seen
