"""A search's first page (queue_ids with a limit) is the head of the whole list, in the queue's
order, and with many matches it is found by walking the order index rather than by looking
up and sorting the row of every match (issue 17). The matches' ids are still gathered into a
set by FTS5 (a step of its posting list each, no post row read), which the plan cannot show."""

from __future__ import annotations

import pytest

from tests.ui.fill import fill_posts
from triage_app.store.queue import QueueQuery, queue_ids, queue_sql

RARE = "zanzibar"  # put into a handful of posts below


@pytest.fixture
def store(make_store):
    s = make_store()
    fill_posts(s, 3000, seed=11)  # each of the twelve texts in 250 posts
    with s.transaction():
        s.execute(
            f"UPDATE posts SET text = text || ' {RARE}' WHERE id IN (SELECT id FROM posts "
            "ORDER BY id LIMIT 7 OFFSET 1000)"
        )
        s.execute("UPDATE posts SET status = 'tagged' WHERE id % 3 = 0")
    return s


SQLITE_PLAN = pytest.mark.sqlite_only(
    "reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL's planner chooses (store/search_pg.py)"
)


def _plan(store, query, limit):
    sql, params = queue_sql(store, query, limit)
    return " | ".join(r[3] for r in store.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize("status", [None, "new"])
@SQLITE_PLAN
def test_many_matches_walk_the_order_index_not_every_match_row(store, status):
    query = QueueQuery(search="boat", status=status)
    plan = _plan(store, query, 100)
    index = "posts_status_priority" if status else "posts_priority"
    assert f"USING COVERING INDEX {index}" in plan, plan
    # no look-up of each match's row, no sorting of them all
    assert "TEMP B-TREE" not in plan and "INTEGER PRIMARY KEY" not in plan, plan
    # the whole list (no limit) and a filter the index cannot test keep the usual plan
    if status is None:
        assert "USING COVERING INDEX" not in _plan(store, query, None)
    assert "COVERING INDEX" not in _plan(store, QueueQuery(search="boat", platform="x"), 100)


@pytest.mark.parametrize("status", [None, "new"])
@pytest.mark.parametrize("search", [RARE, "nothingness"])
@pytest.mark.parametrize("limit", [100, None])
@SQLITE_PLAN
def test_few_matches_start_from_the_matches(store, status, search, limit):
    """Not a walk of the status index past every post that does not match (SQLite's own
    choice with a status filter: a million index entries for a search that finds nothing)."""
    plan = _plan(store, QueueQuery(search=search, status=status), limit)
    assert "SEARCH p USING INTEGER PRIMARY KEY" in plan, plan
    assert "posts_status_priority" not in plan, plan


SEARCHES = ["boat", "passports OR hawala", "إيطاليا", '"half price"', "bat*", RARE, "nothingness"]
BASES = [
    QueueQuery(),
    QueueQuery(status="new"),
    QueueQuery(descending=False),
    QueueQuery(status="tagged", descending=False),
    QueueQuery(platform="x"),
    QueueQuery(sort="posted"),
]


def test_first_page_is_the_head_of_the_whole_list(store):
    for base in BASES:
        for search in SEARCHES:
            query = QueueQuery(**{**base.__dict__, "search": search})
            whole = list(queue_ids(store, query))
            for limit in (1, 100, 200):
                assert list(queue_ids(store, query, limit=limit)) == whole[:limit], query
            if search == "boat" and not base.platform and not base.status:
                assert len(whole) > 200  # more matches than a page: the walk is exercised
