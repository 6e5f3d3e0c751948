"""The walk of a search's first page tests each order-index entry against the matches' byte
map (store/search_map.py), not against a b-tree of the matches SQLite builds for ``IN``
(~0.17 us an entry at 10M posts against ~0.05): the same ids, in the queue's order."""

from __future__ import annotations

from array import array

import numpy as np
import pytest

from tests.ui.fill import fill_posts
from triage_app.store.queue import QueueQuery, _deep_page, queue_ids, queue_sql
from triage_app.store.search_map import ids_of, map_condition, map_of, match_text

SQLITE_ONLY = pytest.mark.sqlite_only("the byte map is SQLite's; PostgreSQL plans its own")


@pytest.fixture
def store(make_store):
    s = make_store()
    fill_posts(s, 3000, seed=3)  # each of the twelve texts in 250 posts
    return s


@SQLITE_ONLY
@pytest.mark.parametrize("status", [None, "new"])
def test_the_walk_reads_a_byte_of_the_map_for_each_entry(store, status):
    query = QueueQuery(search="boat", status=status)
    sql, params = queue_sql(store, query, 100)
    assert map_condition("p.id") in sql and "posts_fts" not in sql, sql
    [flags] = [p for p in params if isinstance(p, bytearray)]
    hits = ids_of(match_text(store, "boat"))
    assert len(hits) > 100 and sorted(np.flatnonzero(np.frombuffer(flags, np.uint8))) == list(hits)
    walked = [r[0] for r in store.execute(sql, params)]
    assert walked == list(queue_ids(store, query))[:100]


@SQLITE_ONLY
def test_a_negative_id_is_never_read_from_the_maps_end(store):
    flags = map_of(np.array([1, 3], dtype=np.int64))
    assert flags == bytearray([0, 1, 0, 1, 0])
    test = f"SELECT {map_condition('?')}".replace("?", ":m", 1).replace("?", ":i")
    found = [store.scalar(test, {"m": flags, "i": i}) for i in (-4, -2, -1, 0, 1, 3, 4, 9)]
    assert found == [0, 0, 0, 0, 1, 1, 0, 0]  # substr would count -2 from the end: 1
    assert map_of(np.array([-5, 2], dtype=np.int64)) is None  # no byte for it: the IN test
    assert map_of(np.array([], dtype=np.int64)) == bytearray(1)


def _copied(column: str) -> str:
    return "'negative-7'" if column == "platform_post_id" else column


@SQLITE_ONLY
def test_a_post_with_a_negative_id_is_still_found(store):
    """A map has no byte for a negative id: such a search walks with SQLite's IN test."""
    with store.transaction():
        store.execute(
            "INSERT INTO posts SELECT -7, "
            + ", ".join(
                _copied(r[1]) for r in store.execute("PRAGMA table_info(posts)").fetchall()[1:]
            )
            + " FROM posts WHERE id = (SELECT min(id) FROM posts WHERE text LIKE '%boat%')"
        )
    query = QueueQuery(search="boat")
    whole = list(queue_ids(store, query))
    assert -7 in whole
    assert list(queue_ids(store, query, limit=100)) == whole[:100]
    # past the head probe (which finds this page): walked or sorted, without a map
    assert list(_deep_page(store, query, 100)) == whole[:100]
    assert isinstance(_deep_page(store, query, 5), array)
