"""The window's copy of the queue, which a search is filtered from instead of the store sorting
its matches again (ui/queue_model.py), is kept for as long as it holds: in a local store until
another connection commits (SQLite's data_version: Store.others_changes), however long ago it
was read; under "only mine" (claims expire with time) and on a team server for
BASE_TTL_SECONDS."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.ui.fill import fill_posts
from triage_app.store.decisions import toggle_tag
from triage_app.store.queue import QueueQuery, queue_ids
from triage_app.ui import queue_model
from triage_app.ui.queue_model import QueueModel

NEW = QueueQuery(status="new")
ON_SQLITE = pytest.mark.sqlite_only("the window keeps its copy by SQLite's data_version")


def _counting_store_reads(monkeypatch: pytest.MonkeyPatch) -> list[QueueQuery]:
    """The queries the model asks the store to read (each a sort of the queue or its matches)."""
    asked: list[QueueQuery] = []

    def counted(store: Any, query: QueueQuery, *args: Any, **kwargs: Any) -> Any:
        asked.append(query)
        return queue_ids(store, query, *args, **kwargs)

    monkeypatch.setattr(queue_model, "queue_ids", counted)
    return asked


def _model_on(store: Any, query: QueueQuery) -> QueueModel:
    model = QueueModel(store)
    model.set_query(query)  # read whole on this thread: the copy searches are filtered from
    return model


def test_others_changes_counts_only_other_connections_commits(make_store):
    store = make_store()
    fill_posts(store, 50)
    if store.backend == "postgresql":
        assert store.others_changes() is None  # colleagues' commits arrive by NOTIFY instead
        return
    before = store.others_changes()
    toggle_tag(store, [1], "boat_crossing")  # this connection's own commit
    assert store.others_changes() == before
    other = store.reopen()
    try:
        # the window's WAL checkpointer, on its worker's connection: not a change of the data
        other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert store.others_changes() == before
        toggle_tag(other, [2], "boat_crossing")
        assert store.others_changes() != before
    finally:
        other.close()


@ON_SQLITE
def test_a_search_long_after_the_queue_was_read_is_filtered_from_the_copy(
    make_store, monkeypatch
):
    store = make_store()
    fill_posts(store, 1200, seed=5)
    model = _model_on(store, NEW)
    gone = model.post_id(0)
    toggle_tag(store, [gone], "boat_crossing")  # the window's own decision: patched in
    model.refresh_posts([gone])
    monkeypatch.setattr(queue_model, "BASE_TTL_SECONDS", 0.0)  # "an hour later"
    asked = _counting_store_reads(monkeypatch)

    search = replace(NEW, search="boat")
    model.set_query(search)

    assert asked == [], "the store sorted the matches again"
    assert list(model.ids()) == list(queue_ids(store, search))
    assert gone not in list(model.ids())


@ON_SQLITE
def test_another_connections_commit_drops_the_copy_at_once(make_store, monkeypatch):
    store = make_store()
    fill_posts(store, 1200, seed=5)
    model = _model_on(store, NEW)
    search = replace(NEW, search="boat")
    taken = list(queue_ids(store, search))[0]
    other = store.reopen()  # another program on the same store, a moment after the read
    try:
        toggle_tag(other, [taken], "boat_crossing")  # it leaves "new"
    finally:
        other.close()
    asked = _counting_store_reads(monkeypatch)

    model.set_query(search)

    assert asked, "a copy older than another program's commit was searched"
    assert taken not in list(model.ids())
    assert list(model.ids()) == list(queue_ids(store, search))


@ON_SQLITE
def test_only_mine_is_kept_for_the_ttl_alone(make_store, monkeypatch):
    store = make_store()
    fill_posts(store, 1200, seed=5)
    toggle_tag(store, list(range(1, 400)), "boat_crossing")  # decisions make posts "mine"
    mine = QueueQuery(only_mine=True)
    search = replace(mine, search="boat")

    model = _model_on(store, mine)
    asked = _counting_store_reads(monkeypatch)
    model.set_query(search)
    assert asked == []  # a moment after the read: the copy
    assert list(model.ids()) == list(queue_ids(store, search))

    model.set_query(mine)
    monkeypatch.setattr(queue_model, "BASE_TTL_SECONDS", 0.0)  # claims may have expired since
    model.set_query(search)
    assert asked, "an 'only mine' copy outlived its time"
    assert list(model.ids()) == list(queue_ids(store, search))
