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
from triage_app.ui.queue_model import HEAD_ROWS, PAGE_SIZE

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

    w.model.forget_base()  # another program committed: no copy of the queue to search
    assert w.apply_query(search)
    assert w.model.loading  # only the first rows so far: the whole pages that fill the screen
    # Locally "boat" is walked along the queue's order: the whole pages that fill the screen.
    # On a team server the first rows stay HEAD_ROWS (store/search_pg.py chooses its walk or
    # its matches first by the server's estimate, measured for that page).
    first = w.model.search_first_rows if store.backend == "sqlite" else HEAD_ROWS
    shown = w.view.viewport().height() // w.view.verticalHeader().defaultSectionSize()
    assert first % PAGE_SIZE == 0 and shown < first <= HEAD_ROWS
    assert list(w.model.ids()) == whole[:first]
    assert w.count_label.text().startswith(f"{first:,}+ of ")

    qtbot.waitUntil(lambda: not w.model.loading)
    assert list(w.model.ids()) == whole
    assert w.count_label.text().startswith(f"{len(whole):,} of ")
    qtbot.waitUntil(lambda: w.current_post_id() == keep)


def test_a_search_with_fewer_matches_than_the_first_rows_is_whole_at_once(
    make_store, make_window, qtbot
):
    store = make_store()
    fill_posts(store, 480, seed=5)  # 40 posts per text: fewer than a page
    w = make_window(store)
    qtbot.waitUntil(lambda: not w.model.loading)
    w.model.forget_base()  # from the store, as on a team server
    assert w.apply_query(QueueQuery(search="hawala"))
    assert not w.model.loading
    assert list(w.model.ids()) == list(queue_ids(store, QueueQuery(search="hawala")))
    assert w.count_label.text() == "40 of 480 posts"


@pytest.mark.sqlite_only("on a team server a search's first rows stay HEAD_ROWS")
def test_a_taller_queue_asks_for_more_first_rows_up_to_the_head(
    make_store, make_window, qtbot, monkeypatch
):
    """The first rows of a search from the store fill the view whatever its height (a 4K
    screen shows more than a page): whole pages, one row more than the screen, never more than
    HEAD_ROWS."""
    store = make_store()
    fill_posts(store, 6000, seed=5)
    w = make_window(store)
    qtbot.waitUntil(lambda: not w.model.loading)
    search = replace(w.model.query, search="boat")
    whole = list(queue_ids(store, search))
    for rows, pages in ((20, 1), (49, 1), (50, 2), (120, 3), (1000, HEAD_ROWS // PAGE_SIZE)):
        monkeypatch.setattr(w, "_screen_rows", lambda rows=rows: rows)
        w.model.forget_base()
        assert w.apply_query(search)
        assert w.model.search_first_rows == pages * PAGE_SIZE, rows
        assert list(w.model.ids()) == whole[: pages * PAGE_SIZE], rows
        qtbot.waitUntil(lambda: not w.model.loading)
        assert list(w.model.ids()) == whole
    # What the window says it shows: the view's height in rows, and one more.
    monkeypatch.undo()
    row = w.view.verticalHeader().defaultSectionSize()
    assert w._screen_rows() == w.view.viewport().height() // row + 1


@pytest.mark.sqlite_only("the window searches its cached queue on SQLite (FTS5 estimates)")
def test_a_search_over_the_queue_read_a_moment_ago_is_kept_from_it(make_store, make_window, qtbot):
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
