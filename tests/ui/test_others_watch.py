"""Another program's commits to a local store (ui/others_watch.py): once they have stopped for
SETTLE_SECONDS the window says that the store has changed and reads its copy of the queue again
on the worker, so that searches are filtered from it again; the list on screen does not move;
a program still committing is left to finish; the window's own commits and a team server are
not watched this way."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.ui.fill import fill_posts
from tests.ui.test_cached_queue_kept import NEW, _counting_store_reads
from triage_app.store.decisions import toggle_tag
from triage_app.store.queue import queue_ids
from triage_app.ui import others_watch
from triage_app.ui.others_watch import NOTICE, SETTLE_SECONDS, OthersWatch
from triage_app.ui.queue_model import QueueModel
from triage_app.ui.tasks import SynchronousRunner

ON_SQLITE = pytest.mark.sqlite_only("a local store's other connections are seen by data_version")
SEARCH = replace(NEW, search="boat")


def _watched(store: Any) -> tuple[QueueModel, OthersWatch, list[str]]:
    """A model showing the "new" queue (its copy read whole), a watch on it (its timer
    stopped: the test ticks it with its own clock), and the notices it gives."""
    model = QueueModel(store)
    model.set_query(NEW)
    model.set_runner(SynchronousRunner())  # the copy read again "on the worker", inline
    watch = OthersWatch(model)
    watch.set_store(store)
    watch._timer.stop()
    notices: list[str] = []
    watch.changed.connect(notices.append)
    return model, watch, notices


def _another_program(store: Any, post_ids: list[int]) -> None:
    """Another connection to the same file tags ``post_ids`` (they leave "new")."""
    other = store.reopen()
    try:
        toggle_tag(other, post_ids, "boat_crossing")
    finally:
        other.close()


def _renewal_asked(store: Any) -> QueueModel:
    """A watched model of 600 posts whose copy another program's settled commit has made
    outdated: its renewal asked of the (inline) worker, not yet run."""
    fill_posts(store, 600, seed=5)
    model, watch, _notices = _watched(store)
    watch.tick(now=0.0)
    _another_program(store, [model.post_id(3)])
    watch.tick(now=1.0)
    watch.tick(now=1.0 + SETTLE_SECONDS)
    assert model._renewing is not None
    return model


def _renewed(qtbot: Any, model: QueueModel) -> None:
    qtbot.waitUntil(lambda: model._renewing is None)


@ON_SQLITE
def test_a_settled_change_renews_the_copy_and_is_said_once(make_store, qtbot, monkeypatch):
    store = make_store()
    fill_posts(store, 1200, seed=5)
    model, watch, notices = _watched(store)
    shown = list(model.ids())
    taken = list(queue_ids(store, SEARCH))[:3]
    watch.tick(now=0.0)  # the count as the window opened

    _another_program(store, taken)
    watch.tick(now=1.0)  # the change seen: the program may still be committing
    watch.tick(now=1.0 + SETTLE_SECONDS / 2)
    assert (
        notices == [] and model._renewing is None and model.copy_outdated_by(store.others_changes())
    )
    watch.tick(now=1.0 + SETTLE_SECONDS)  # it has stood still: said, and read again
    assert notices == [NOTICE]
    _renewed(qtbot, model)
    assert not model.copy_outdated_by(store.others_changes())
    assert list(model.ids()) == shown  # nothing on screen moved
    watch.tick(now=10.0)
    assert notices == [NOTICE]  # once for that change

    asked = _counting_store_reads(monkeypatch)
    model.set_query(SEARCH)
    assert asked == [], "the search did not come from the renewed copy"
    assert list(model.ids()) == list(queue_ids(store, SEARCH))
    assert not set(taken) & set(model.ids())


@ON_SQLITE
def test_a_program_still_committing_is_left_to_finish(make_store, qtbot):
    store = make_store()
    fill_posts(store, 600, seed=5)
    model, watch, notices = _watched(store)
    watch.tick(now=0.0)
    ids = list(queue_ids(store, NEW))
    for second in range(1, 8):  # an enrichment committing a batch every second
        _another_program(store, [ids[second]])
        watch.tick(now=float(second))
    assert notices == [] and model._renewing is None
    watch.tick(now=7.0 + SETTLE_SECONDS)
    assert notices == [NOTICE]
    _renewed(qtbot, model)
    assert not model.copy_outdated_by(store.others_changes())


@ON_SQLITE
def test_the_windows_own_commits_are_not_a_change(make_store):
    store = make_store()
    fill_posts(store, 600, seed=5)
    model, watch, notices = _watched(store)
    watch.tick(now=0.0)
    toggle_tag(store, [model.post_id(0)], "boat_crossing")  # the window's own connection
    model.refresh_posts([model.post_id(0)])
    for second in range(1, 6):
        watch.tick(now=float(second))
    assert notices == [] and model._renewing is None


@ON_SQLITE
def test_a_new_query_stops_the_renewal_and_its_answer_is_dropped(make_store, qtbot):
    store = make_store()
    model = _renewal_asked(store)
    other_filter = replace(NEW, platform="telegram")
    model.set_query(other_filter)  # the analyst moved on before it ran
    assert model._renewing is None
    qtbot.wait(50)  # the inline worker runs the cancelled job, if at all
    base = model._base
    assert base is not None and base[0] == other_filter  # that list's own copy, not the old


@ON_SQLITE
def test_a_decision_while_the_copy_is_read_drops_that_read(make_store, qtbot, monkeypatch):
    """The outdated copy is let go before the new one is read (memory); a tag meanwhile finds
    no copy to patch, so the read, which may not have seen it, is not kept: the next search
    reads afresh and shows the tag's effect."""
    store = make_store()
    model = _renewal_asked(store)
    assert model._base is None
    tagged = list(queue_ids(store, SEARCH))[0]
    toggle_tag(store, [tagged], "boat_crossing")  # the analyst's tag key, before the read ran
    model.refresh_posts([tagged])
    assert model._renewing is None  # stopped: its answer could not be kept
    _renewed(qtbot, model)
    assert model._base is None

    asked = _counting_store_reads(monkeypatch)
    model.set_query(SEARCH)
    assert asked  # from the store, not from a copy that may predate the tag
    assert tagged not in list(model.ids())
    assert list(model.ids()) == list(queue_ids(store, SEARCH))


def test_a_team_server_is_not_watched(make_store):
    store = make_store()
    model = QueueModel(store)
    watch = OthersWatch(model)
    watch.set_store(store)
    assert watch._timer.isActive() == (store.backend != "postgresql")
    watch.stop()
    assert not watch._timer.isActive()


@ON_SQLITE
def test_the_window_says_so_and_keeps_the_analysts_place(
    make_store, make_window, qtbot, monkeypatch
):
    monkeypatch.setattr(others_watch, "SETTLE_SECONDS", 0.0)
    store = make_store()
    fill_posts(store, 400, seed=5)
    window = make_window(store)
    window.view.setCurrentIndex(window.model.index(5, 0))
    current, shown = window.current_post_id(), list(window.model.ids())
    window.others_watch.tick()
    _another_program(store, [window.model.post_id(20)])
    window.others_watch.tick()  # seen
    window.others_watch.tick()  # and settled (no settling time here)
    assert window.statusBar().currentMessage() == NOTICE
    _renewed(qtbot, window.model)
    assert window.current_post_id() == current and list(window.model.ids()) == shown
