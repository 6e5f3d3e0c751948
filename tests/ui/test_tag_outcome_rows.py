"""The tag key's rows come from the tag itself (store.decisions.TagOutcome), not from the store
read back: the tags and status the tag committed are the only parts of a row it changes, and on a
team server reading the row again and asking whether it is still in the cached queue were two
round trips of every key. Where the outcome cannot decide (a post that may have joined the
queue's filter), the store is still asked."""

from __future__ import annotations

from dataclasses import replace

import pytest

import triage_app.ui.queue_model as queue_model
from tests.ui.fill import fill_posts
from triage_app.store.decisions import (
    current_tags,
    toggle_tag,
    toggle_tag_outcome,
    undo_batch,
)
from triage_app.store.queue import QueueQuery, queue_ids, queue_rows
from triage_app.ui.queue_model import QueueModel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _model(make_store, query: QueueQuery, n: int = 400):
    store = make_store()
    fill_posts(store, n)
    model = QueueModel(store)
    model.set_query(query)
    return store, model


class StoreReads:
    """Counts the queue model's reads of rows and of the queue's membership."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows = self.membership = 0

        def rows(store, ids):
            self.rows += 1
            return queue_rows(store, ids)

        def ids(store, query, *args, **kwargs):
            self.membership += query.pivot is not None
            return queue_ids(store, query, *args, **kwargs)

        monkeypatch.setattr(queue_model, "queue_rows", rows)
        monkeypatch.setattr(queue_model, "queue_ids", ids)


def _row_as_stored(store, post_id: int):
    return queue_rows(store, [post_id])[0]


def test_the_outcome_is_what_the_store_holds(make_store) -> None:
    store = make_store()
    fill_posts(store, 20)
    post = 3
    added = toggle_tag_outcome(store, [post, 4], "boat_crossing")
    for p in (post, 4):
        stored = _row_as_stored(store, p)
        assert added.after[p] == (stored.tags, stored.status) == (("boat_crossing",), "tagged")
    toggle_tag(store, [post], "fake_documents")
    removed = toggle_tag_outcome(store, [post], "boat_crossing")  # the toggle takes it off
    assert removed.after[post] == (("fake_documents",), "tagged")
    assert tuple(current_tags(store, post)) == removed.after[post][0]
    dismissed = toggle_tag_outcome(store, [5], "not_relevant")
    assert (
        dismissed.after[5]
        == (("not_relevant",), "dismissed")
        == (
            _row_as_stored(store, 5).tags,
            _row_as_stored(store, 5).status,
        )
    )


def test_a_tagged_row_is_patched_without_reading_the_store(make_store, monkeypatch) -> None:
    store, model = _model(make_store, QueueQuery())
    for row in range(5):
        model.data(model.index(row, 0))  # on screen
    post = model.post_id(2)
    reads = StoreReads(monkeypatch)
    outcome = toggle_tag_outcome(store, [post], "boat_crossing")
    model.refresh_posts([post], outcome.after)
    assert (reads.rows, reads.membership) == (0, 0)
    assert model.row_data(2) == _row_as_stored(store, post)  # every field as a read gives it
    assert model.data(model.index(2, 5)) == "Small-boat crossing"
    assert model.data(model.index(2, 6)).startswith("tagged")


def test_without_the_outcome_the_row_is_read_again(make_store, monkeypatch) -> None:
    store, model = _model(make_store, QueueQuery())
    model.data(model.index(0, 0))
    post = model.post_id(0)
    reads = StoreReads(monkeypatch)
    toggle_tag(store, [post], "boat_crossing")
    model.refresh_posts([post])
    assert reads.rows == 1 and model.row_data(0) == _row_as_stored(store, post)
    # an outcome that does not cover every post counts for none of them
    other = model.post_id(1)
    model.data(model.index(1, 0))
    outcome = toggle_tag_outcome(store, [post], "fake_documents")
    toggle_tag(store, [other], "fake_documents")
    model.refresh_posts([post, other], outcome.after)
    assert reads.rows == 2 and model.row_data(1) == _row_as_stored(store, other)


@pytest.mark.parametrize(
    ("query", "tag"),
    [
        (QueueQuery(status="new"), "boat_crossing"),  # leaves "new"
        (QueueQuery(tag="boat_crossing"), "boat_crossing"),  # the toggle takes the tag off
        (QueueQuery(only_mine=True), "fake_documents"),  # a decision keeps it mine
        (QueueQuery(), "not_relevant"),
    ],
)
def test_the_cached_queue_stays_true_from_the_outcome(make_store, monkeypatch, query, tag):
    store, model = _model(make_store, query)
    if query.tag or query.only_mine:  # make the filter select something first
        toggle_tag(store, list(range(1, 60)), "boat_crossing")
        model.set_query(query)
    assert model.rowCount() > 3
    model.data(model.index(0, 0))
    shown, hidden = model.post_id(1), model.post_id(model.rowCount() - 1)  # one not on screen
    reads = StoreReads(monkeypatch)
    for post in (shown, hidden):
        outcome = toggle_tag_outcome(store, [post], tag)
        model.refresh_posts([post], outcome.after)
    assert reads.membership == 0
    searched = replace(query, search="boat OR passports OR bateau OR visa")
    model.set_query(searched)
    assert list(model.ids()) == list(queue_ids(store, searched))
    monkeypatch.undo()
    model.set_query(query)
    assert list(model.ids()) == list(queue_ids(store, query))


def test_a_post_that_may_have_joined_the_filter_is_asked_of_the_store(make_store, monkeypatch):
    """Queue "tagged": a new post (not in the cached queue) tagged now meets the status term,
    but whether it meets the others only the store knows; it joined, so the copy is let go."""
    store, model = _model(make_store, QueueQuery(status="new"))
    tagged_query = QueueQuery(status="tagged", platform="telegram")
    toggle_tag(store, list(range(1, 40)), "boat_crossing")
    model.set_query(tagged_query)
    newcomer = next(p for p in queue_ids(store, QueueQuery(status="new", platform="telegram")))
    reads = StoreReads(monkeypatch)
    outcome = toggle_tag_outcome(store, [newcomer], "boat_crossing")
    model.refresh_posts([newcomer], outcome.after)
    assert reads.membership == 1
    assert model._base is None  # forgotten: its place in the order needs the whole query
    searched = replace(tagged_query, search="boat OR passports OR bateau OR visa")
    model.set_query(searched)
    assert list(model.ids()) == list(queue_ids(store, searched))
    undo_batch(store, outcome.batch)
