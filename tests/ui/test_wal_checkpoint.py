"""The store's write-ahead log is copied back into the store file on the worker, not inside a
tag key (ui/wal_checkpoint.py): SQLite's automatic checkpoint ran in about one commit in fifty,
on the window's thread, and made the slowest keys."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from triage_app.store.connection import connect

pytestmark = [
    pytest.mark.qt_log_ignore("propagateSizeHints"),
    pytest.mark.sqlite_only("SQLite's write-ahead log; a team server has none here"),
]


def _left_in_log(store: Any) -> tuple[int, int, int]:
    """(busy, frames in the log, frames already in the store file), asked of a connection of
    its own in the mode that copies nothing (``NOOP`` is not a mode: PASSIVE on a log with
    nothing left to copy changes nothing)."""
    other = connect(store.path, store.key)
    try:
        row = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])
    finally:
        other.close()


def test_tag_keys_leave_the_checkpoint_to_the_worker(demo_store, make_window, qtbot) -> None:
    w = make_window(demo_store)
    assert demo_store.scalar("PRAGMA wal_autocheckpoint") == 0  # the window's own connection
    window_sql: list[str] = []
    demo_store.conn.set_trace_callback(window_sql.append)
    w.select_row(0)
    w.view.setFocus()
    for _ in range(30):
        qtbot.keyClick(w.view, Qt.Key.Key_1)
    assert w.current_row() == 30
    # Within a second or two of the last key the worker has copied the whole log back.
    qtbot.waitUntil(lambda: w.checkpointer.last_result is not None, timeout=5000)
    busy, frames, copied = w.checkpointer.last_result
    assert busy == 0 and frames > 0 and copied == frames
    assert not [s for s in window_sql if "wal_checkpoint" in s]  # not on the window's thread
    assert _left_in_log(demo_store)[1:] == (frames, frames)  # nothing written since is left


def test_no_checkpoint_without_a_write(demo_store, make_window, qtbot) -> None:
    w = make_window(demo_store)
    w.checkpointer.check()  # what opening wrote, if anything...
    w.checkpointer.check()  # ...checkpointed in the pause after it
    qtbot.waitUntil(lambda: w.checkpointer._task is None)
    w.checkpointer.last_result = None
    w.select_row(3)  # reading, moving, previewing write nothing
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    w.checkpointer.check()
    assert w.checkpointer._task is None and w.checkpointer.last_result is None


def _key_and_look(w: Any, qtbot: Any) -> None:
    """A tag key, then the checkpointer's once-a-second look."""
    qtbot.keyClick(w.view, Qt.Key.Key_1)
    w.checkpointer.check()


def test_keys_less_than_a_second_apart_are_checkpointed_in_the_pause_after(
    demo_store, make_window, qtbot
) -> None:
    """A checkpoint copies and syncs the store file beside the keys: during a burst it waits
    for the first look that finds no new write."""
    w = make_window(demo_store)
    w.checkpointer._timer.stop()  # the test looks in the checkpointer's place
    w.checkpointer.check()
    w.checkpointer.check()
    qtbot.waitUntil(lambda: w.checkpointer._task is None)
    w.checkpointer.last_result = None
    w.select_row(0)
    w.view.setFocus()
    for _ in range(5):
        _key_and_look(w, qtbot)
        assert w.checkpointer._task is None and w.checkpointer.last_result is None
    w.checkpointer.check()  # a look with no write since: the pause
    qtbot.waitUntil(lambda: w.checkpointer.last_result is not None, timeout=5000)
    busy, frames, copied = w.checkpointer.last_result
    assert busy == 0 and frames > 0 and copied == frames


def test_a_burst_without_a_pause_is_checkpointed_after_the_longest_wait(
    demo_store, make_window, qtbot, monkeypatch
) -> None:
    from triage_app.ui import wal_checkpoint

    w = make_window(demo_store)
    w.checkpointer._timer.stop()
    w.select_row(0)
    w.view.setFocus()
    _key_and_look(w, qtbot)
    assert w.checkpointer._task is None and w.checkpointer.last_result is None
    monkeypatch.setattr(wal_checkpoint, "LONGEST_WAIT_S", 0.0)  # keys for longer than that
    _key_and_look(w, qtbot)
    qtbot.waitUntil(lambda: w.checkpointer.last_result is not None, timeout=5000)
    assert w.checkpointer.last_result[0] == 0


def test_a_locked_window_stops_checkpointing(demo_store, make_window, qtbot) -> None:
    w = make_window(demo_store)
    assert w.checkpointer._timer.isActive()
    w.lock()
    assert not w.checkpointer._timer.isActive() and w.checkpointer._store is None
    w.checkpointer.check()  # a tick after the lock does nothing (the store is closed)
    assert w.checkpointer._task is None
