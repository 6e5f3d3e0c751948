"""A search typed in the window shows its first rows before the whole list is read (issue 17):
the count says it is a lower bound until the rest is in, the rest follows in the same order as
the store's whole list, and the post the analyst was on stays selected when the search keeps it
further down than the first rows. Over the queue read a moment ago (cached in the window), a
search with few enough matches is whole at once: the matches kept in the queue's order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ui.fill import fill_posts
from triage_app.store.queue import QueueQuery, queue_ids
from triage_app.ui.queue_model import HEAD_ROWS

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_search_shows_its_first_rows_then_the_rest(make_store, make_window, qtbot):
    store = make_store()
    fill_posts(store, 6000, seed=5)  # 500 posts per text: "boat" finds more than the head
    w = make_window(store)
    qtbot.waitUntil(lambda: not w.model.loading)
    search = replace(w.model.query, search="boat")
    whole = list(queue_ids(store, search))
    assert len(whole) > HEAD_ROWS
    keep = whole[HEAD_ROWS + 20]  # the analyst is on a post the search keeps, far down
    w.select_row(w.model.row_of(keep))
    assert w.current_post_id() == keep

    w.model.forget_base()  # the queue read more than a minute ago: no copy to search
    assert w.apply_query(search)
    assert w.model.loading  # only the first rows so far
    assert list(w.model.ids()) == whole[:HEAD_ROWS]
    assert w.count_label.text().startswith(f"{HEAD_ROWS:,}+ of ")

    qtbot.waitUntil(lambda: not w.model.loading)
    assert list(w.model.ids()) == whole
    assert w.count_label.text().startswith(f"{len(whole):,} of ")
    qtbot.waitUntil(lambda: w.current_post_id() == keep)


def test_a_search_with_fewer_matches_than_the_head_is_whole_at_once(make_store, make_window, qtbot):
    store = make_store()
    fill_posts(store, 600, seed=5)  # 50 posts per text
    w = make_window(store)
    qtbot.waitUntil(lambda: not w.model.loading)
    assert w.apply_query(QueueQuery(search="hawala"))
    assert not w.model.loading
    assert list(w.model.ids()) == list(queue_ids(store, QueueQuery(search="hawala")))
    assert w.count_label.text() == "50 of 600 posts"


@pytest.mark.sqlite_only("the window searches its cached queue on SQLite (FTS5 estimates)")
def test_a_search_over_the_queue_read_a_moment_ago_is_kept_from_it(
    make_store, make_window, qtbot
):
    store = make_store()
    fill_posts(store, 6000, seed=5)
    w = make_window(store)
    qtbot.waitUntil(lambda: not w.model.loading)
    search = replace(w.model.query, search="boat")
    whole = list(queue_ids(store, search))
    assert len(whole) > HEAD_ROWS
    reads = []
    store.conn.set_trace_callback(reads.append)
    try:
        assert w.apply_query(search)
    finally:
        store.conn.set_trace_callback(None)
    queue_reads = [sql for sql in reads if sql.startswith("SELECT p.id FROM posts p")]
    assert queue_reads == [], "the store sorted the matches again"
    assert list(w.model.ids()) == whole[:HEAD_ROWS]  # kept in the cached queue's order
    qtbot.waitUntil(lambda: not w.model.loading)
    assert list(w.model.ids()) == whole  # the rest from the same cache, on the worker

    # A post tagged out of the filter since the queue was read stays out of the next search.
    gone = whole[3]
    w.select_row(w.model.row_of(gone))
    w.tag_actions["boat_crossing"].trigger()
    assert w.apply_query(replace(search, search="boat"))
    assert gone not in list(w.model.ids())
    qtbot.waitUntil(lambda: not w.model.loading)
    assert list(w.model.ids()) == list(queue_ids(store, search))


@pytest.mark.sqlite_only("the window searches its cached queue on SQLite (FTS5 estimates)")
def test_a_search_with_too_many_matches_for_the_cache_shows_its_first_rows_first(
    make_store, make_window, qtbot, monkeypatch
):
    from triage_app.ui import queue_model

    store = make_store()
    fill_posts(store, 6000, seed=5)
    w = make_window(store)
    qtbot.waitUntil(lambda: not w.model.loading)
    monkeypatch.setattr(queue_model, "CACHED_SEARCH_MAX", 100)  # "boat" matches ~500
    search = replace(w.model.query, search="boat")
    assert w.apply_query(search)
    assert w.model.loading
    qtbot.waitUntil(lambda: not w.model.loading)
    assert list(w.model.ids()) == list(queue_ids(store, search))
