"""On a team server the check of the preview made ahead is read on a connection of its own,
sent right after the tag key's COMMIT (ui/preview_check.py), so that it travels while the
tagged row is read again and the next post claimed. What each test pins:

- the read runs on the check's own thread and connection, not the window's, and the prepared
  pane is shown;
- a change someone else made to the next post before the key is still seen (the read starts
  after the commit): the fresh post is shown, not the stale pane (both backends);
- a read that fails leaves the key to read the post itself: the pane is still checked and shown;
- locking the window ends the thread and closes its connection."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from triage_app.store.decisions import set_note

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

DETAIL_READ = "LEFT JOIN imports i ON i.id = p.import_id"  # the preview's read of the post


def _settled(w: Any, qtbot: Any) -> None:
    """Both panes painted for the current post and the next one prepared (idle turns)."""
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    nxt = w.model.post_id(w.current_row() + 1)
    qtbot.waitUntil(lambda: w.ahead is not None and w.ahead.prepared_post == nxt)


@pytest.fixture
def team_store(demo_store: Any, pg_server: Any) -> Any:
    """The demo store on the team server (taking ``pg_server`` leaves these tests out of a
    SQLite run, where the check is read locally: there is no second session to use)."""
    assert demo_store.backend == "postgresql"
    return demo_store


@pytest.fixture
def detail_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of every preview read sent to the server from now on."""
    threads: list[str] = []
    execute = psycopg.Cursor.execute

    def recorded(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if DETAIL_READ in str(query):
            threads.append(threading.current_thread().name)
        return execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recorded)
    return threads


def _tag_key(w: Any, qtbot: Any) -> None:
    w.view.setFocus()
    w.tag_actions["boat_crossing"].trigger()  # key 1
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)


def test_the_check_is_read_on_its_own_connection(team_store, make_window, qtbot, detail_reads):
    w = make_window(team_store)
    w.select_row(4)
    _settled(w, qtbot)
    spare, nxt = w.ahead._spare, w.model.post_id(5)
    detail_reads.clear()
    _tag_key(w, qtbot)
    assert w.current_post_id() == nxt
    assert w.preview is spare, "the prepared pane was not used"
    key_reads = detail_reads[:1]
    assert key_reads == ["preview-check"], detail_reads  # not the window's thread


def test_a_change_made_before_the_tag_key_is_shown_not_the_stale_pane(
    demo_store, make_window, qtbot
):
    w = make_window(demo_store)
    w.select_row(2)
    _settled(w, qtbot)
    spare, nxt = w.ahead._spare, w.model.post_id(3)
    set_note(demo_store, nxt, "seen on the ferry forum too")  # as a colleague would, meanwhile
    _tag_key(w, qtbot)
    assert w.current_post_id() == nxt
    assert w.preview is not spare, "the pane filled before the change was shown"
    assert "seen on the ferry forum too" in w.preview.source.text()


def test_a_failed_check_read_leaves_the_key_to_read_it(
    team_store, make_window, qtbot, detail_reads
):
    w = make_window(team_store)
    w.select_row(4)
    _settled(w, qtbot)
    spare = w.ahead._spare

    class Unreachable:
        backend = "postgresql"

        def reopen(self) -> Any:
            raise psycopg.OperationalError("connection refused")

    w.ahead._check._store = Unreachable()
    detail_reads.clear()
    _tag_key(w, qtbot)
    assert w.preview is spare  # checked by the window's own read, and unchanged
    assert detail_reads[:1] == [threading.main_thread().name], detail_reads


def test_locking_ends_the_check_and_its_connection(team_store, make_window, qtbot):
    w = make_window(team_store)
    w.select_row(4)
    _settled(w, qtbot)
    _tag_key(w, qtbot)
    check = w.ahead._check
    thread = check._thread
    assert thread is not None and thread.is_alive()
    w.lock()
    assert not thread.is_alive()
    assert w.ahead is None
