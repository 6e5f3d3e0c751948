"""A search typed in the window shows its first rows before the whole list is read (issue 17):
the count says it is a lower bound until the rest is in, the rest follows in the same order as
the store's whole list, and the post the analyst was on stays selected when the search keeps it
further down than the first rows."""

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
