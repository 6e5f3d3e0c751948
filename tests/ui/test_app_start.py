"""Starting the program: --demo fills an empty store on the worker before the window shows, and a
store whose key needs a passphrase is opened after asking for it."""

from __future__ import annotations

import sys

import keyring
import pytest
from PySide6.QtWidgets import QApplication

from triage_app.store.keys import SERVICE
from triage_app.store.opening import open_for_user
from triage_app.ui import app as app_module
from triage_app.ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_demo_start_fills_an_empty_store_and_shows_the_window(
    qtbot, tmp_path, monkeypatch, isolated_data_dir
):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # start() installs its own
    monkeypatch.setenv("TRIAGE_PLAIN_STORE", "1")
    db = tmp_path / "fresh.db"
    window = app_module.start(["--db", str(db), "--demo", "--demo-posts", "80"])
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    assert window.isVisible()
    qtbot.waitUntil(lambda: not window.model.loading)
    assert window.model.rowCount() > 0
    assert window.store is not None
    assert window.store.scalar("SELECT count(*) FROM posts") == 80
    # The demo's progress dialog is gone, not hidden behind the window.
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]


def test_passphrase_is_asked_for_until_given(tmp_path, isolated_data_dir):
    path = tmp_path / "locked.db"
    store = open_for_user(path, create=True, user="alice", passphrase="tide table 42")
    store_id = store.store_id
    store.close()
    keyring.delete_password(SERVICE, f"store-key:{store_id}")  # as on another machine

    asked: list[str] = []
    declined = app_module.open_interactive(
        path, isolated_data_dir, create=False, ask=lambda msg: asked.append(msg) or None
    )
    assert declined is None and "passphrase" in asked[0].lower()

    answers = iter(["wrong guess", "tide table 42"])
    opened = app_module.open_interactive(
        path, isolated_data_dir, create=False, ask=lambda msg: next(answers)
    )
    assert opened is not None and opened.store_id == store_id
    opened.close()


class _EndsBeforeItsSignals:
    """A worker whose job ends while its last reports are still on their way to the window:
    the count reaches the end, the job is done, and "finished" arrives a moment later. (Found
    by the X11 test: the dialog used to close on the full count, and the late "finished" then
    touched the deleted dialog, a crash dialog in front of the window.)"""

    def __init__(self, posts: int) -> None:
        self.posts = posts
        self.task = None

    def submit(self, fn, name="task"):
        from PySide6.QtCore import QTimer

        from triage_app.ui.tasks import Task

        task = Task(fn, name)
        task.result = "the summary"
        self.task = task

        def work_ends() -> None:
            task.progressed.emit((self.posts, 1000.0))
            task.done = True
            QTimer.singleShot(50, lambda: task.finished.emit(task.result))

        QTimer.singleShot(0, work_ends)
        return task


def test_the_demo_progress_dialog_survives_signals_that_arrive_late(make_store, qtbot):
    runner = _EndsBeforeItsSignals(posts=300)
    assert app_module.fill_demo(make_store(), 300, runner) == "the summary"
    qtbot.wait(150)  # the late "finished" (and anything after it) is delivered now
    runner.task.finished.emit("again")
    runner.task.progressed.emit((300, 1.0))
    qtbot.wait(20)
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]
