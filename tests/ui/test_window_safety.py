"""The window's safety features: the idle lock (store closed, key dropped, content hidden), the
clipboard that clears itself but never someone else's text, imports from the window (summary,
cancel), and decisions surviving a SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication

from tests.support.backends import child_address
from triage_app.store.keys import PassphraseNeeded
from triage_app.store.queue import QueueQuery
from triage_app.ui.actions import ActionId
from triage_app.ui.tasks import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
ROOT = Path(__file__).resolve().parents[2]


def _reopener(path: Path, passphrase: str | None = None):
    """An opener for unlock: like open_for_user, refusing until the right passphrase."""
    from triage_app.store import open_store

    calls: list[str | None] = []

    def opener(typed: str | None):
        calls.append(typed)
        if passphrase is not None and typed != passphrase:
            raise PassphraseNeeded("This store's key is protected by a passphrase")
        return open_store(path, user="alice")

    opener.calls = calls  # type: ignore[attr-defined]
    return opener


def test_idle_lock_hides_content_and_closes_the_store(demo_store, make_window, qtbot):
    path = demo_store.path
    w = make_window(demo_store, opener=_reopener(path))
    w.select_row(7)
    post = w.current_post_id()
    w.idle.set_minutes(0.0005)  # 30 ms instead of 10 minutes
    w.idle.start()
    qtbot.waitUntil(lambda: w.locked, timeout=3000)
    assert w.stack.currentWidget() is w.lock_screen
    assert not w.view.isVisible() and not w.tag_bar.isVisible()
    assert w.model.rowCount() == 0
    assert w.store is None and demo_store.key is None
    with pytest.raises(Exception, match="closed"):
        demo_store.execute("SELECT 1")
    assert w.lock_label.text() == "locked"
    assert not w.tag_actions["boat_crossing"].isEnabled()
    assert w.tag_current_and_advance("boat_crossing") is False

    qtbot.mouseClick(w.lock_screen.button, Qt.MouseButton.LeftButton)
    assert not w.locked
    assert w.stack.currentWidget() is w.tabs
    assert w.current_post_id() == post
    assert w.store is not None and w.store.scalar("SELECT count(*) FROM posts") == 3000
    w.tag_actions["boat_crossing"].trigger()
    assert w.store.scalar("SELECT count(*) FROM post_tags WHERE post_id = ?", (post,)) == 1


def test_ctrl_l_lock_asks_for_the_passphrase_to_unlock(demo_store, make_window, qtbot):
    opener = _reopener(demo_store.path, passphrase="correct horse")
    w = make_window(demo_store, opener=opener)
    w.actions_by_id[ActionId.LOCK].trigger()
    assert w.locked
    w.lock_screen.button.click()
    assert w.locked and w.lock_screen.passphrase.isVisible()
    assert "passphrase" in w.lock_screen.error.text()
    qtbot.keyClicks(w.lock_screen.passphrase, "wrong")
    qtbot.keyClick(w.lock_screen.passphrase, Qt.Key.Key_Return)
    assert w.locked
    qtbot.keyClicks(w.lock_screen.passphrase, "correct horse")
    qtbot.keyClick(w.lock_screen.passphrase, Qt.Key.Key_Return)
    assert not w.locked
    assert opener.calls == [None, "wrong", "correct horse"]


def test_clipboard_is_cleared_only_while_it_holds_our_text(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.settings.clipboard_clear_seconds = 0.05
    clipboard = QGuiApplication.clipboard()
    text = demo_store.scalar("SELECT text FROM posts WHERE id = ?", (w.current_post_id(),))
    w.actions_by_id[ActionId.COPY_TEXT].trigger()
    assert clipboard.text() == text
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=2000)

    w.actions_by_id[ActionId.COPY_TEXT].trigger()
    assert clipboard.text() == text
    clipboard.setText("someone else's text")
    qtbot.wait(200)
    assert clipboard.text() == "someone else's text"

    # What the preview pane copies (indicators) is cleared the same way.
    clipboard.setText("+44 7700 900123")
    w.preview.copied.emit("+44 7700 900123")
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=2000)


def _jsonl(path: Path, n: int, start: int = 0) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(start, start + n):
            handle.write(
                json.dumps(
                    {
                        "platform": "facebook",
                        "post_id": f"imp{i}",
                        "created_at": "2025-03-01T10:00:00Z",
                        "text": f"Speedboat to Italy, places left {i}",
                        "author_id": f"a{i % 5}",
                        "author_handle": f"captain{i % 5}",
                        "language": "en",
                    }
                )
                + "\n"
            )
    return path


def test_import_through_the_dialog(demo_store, make_window, qtbot, tmp_path):
    w = make_window(demo_store)
    w.apply_query(QueueQuery(platform="facebook", search="speedboat"))
    before = w.model.rowCount()
    good = _jsonl(tmp_path / "new.jsonl", 25)
    bad = tmp_path / "notes.txt"
    bad.write_text("just some words, not an export\n")
    dialog = w.start_import([good, bad])
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=20000)
    assert demo_store.scalar("SELECT count(*) FROM posts") == 3025
    table = dialog.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    rows = {
        table.item(r, 0).text(): {
            h: (table.item(r, c).text() if table.item(r, c) else "") for c, h in enumerate(headers)
        }
        for r in range(table.rowCount())
    }
    result = headers[-1]  # the last column says what became of the file
    assert rows["new.jsonl"]["Inserted"] == "25" and rows["new.jsonl"][result] == "imported"
    assert rows["new.jsonl"]["Media refused"] == "0"
    assert rows["notes.txt"][result].startswith("not imported:")
    assert "25 new posts" in dialog.file_label.text()
    assert w.model.rowCount() == before + 25  # the queue refreshed
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_cancelled_import_keeps_nothing(demo_store, make_window, qtbot, tmp_path):
    w = make_window(demo_store, runner=TaskRunner())  # a real worker thread
    big = _jsonl(tmp_path / "big.jsonl", 60_000)
    dialog = w.start_import([big])
    # The user's Cancel reaches the UI thread as a queued signal; under load a fast import
    # could finish before it is handled, so the worker waits at its first report until the
    # click has been made (otherwise the test would race the import, not check the cancel).
    clicked = threading.Event()

    def click_cancel(_values: object) -> None:
        dialog.cancel()
        clicked.set()

    dialog.task.progressed.connect(click_cancel)
    dialog.task.progressed.connect(
        lambda _values: clicked.wait(30), Qt.ConnectionType.DirectConnection
    )
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=60000)
    assert demo_store.scalar("SELECT count(*) FROM posts") == 3000
    assert demo_store.scalar("SELECT count(*) FROM imports WHERE path LIKE '%big.jsonl'") == 0
    result = dialog.table.item(0, dialog.table.columnCount() - 1).text()
    assert result.startswith("not imported:") and "cancel" in result


def test_dropping_a_file_imports_it(demo_store, make_window, qtbot, tmp_path):
    w = make_window(demo_store)
    path = _jsonl(tmp_path / "dropped.jsonl", 3, start=500)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    w.dropEvent(event)
    qtbot.waitUntil(lambda: w.import_dialog.is_finished, timeout=20000)
    assert demo_store.scalar("SELECT count(*) FROM posts") == 3003


CHILD = r"""
import sys
import threading
from triage_app.store import open_store
from triage_app.store.decisions import toggle_tag
store = open_store(sys.argv[1], user="alice")
ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id")]
for post_id in ids:
    toggle_tag(store, [post_id], "boat_crossing")
    print(post_id, flush=True)  # reported as done only after the commit
"""


def test_tags_reported_done_survive_sigkill(demo_store, memory_keyring, tmp_path):
    path = demo_store.path
    demo_store.close()
    # The child signs alice's tags with her registered personal key: this test's keyring
    # (holding it) handed over as a keyring file.
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(
        json.dumps(
            {
                f"{service}\t{name}": value
                for (service, name), value in memory_keyring.secrets.items()
            }
        )
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, child_address(path, "alice")],  # PostgreSQL: its address
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
            "TRIAGE_TEST_KEYRING_FILE": str(keyring_file),
        },
    )
    assert proc.stdout is not None
    done: list[int] = []
    while len(done) < 40:
        line = proc.stdout.readline()
        assert line, "the tagging process stopped early"
        done.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    from triage_app.store import open_store

    store = open_store(path, user="alice")
    tagged = {
        r[0] for r in store.execute("SELECT post_id FROM post_tags WHERE tag = 'boat_crossing'")
    }
    assert set(done) <= tagged
    events = {
        r[0]
        for r in store.execute(
            "SELECT post_id FROM decisions WHERE kind = 'tag' AND tag = 'boat_crossing'"
        )
    }
    assert set(done) <= events
    store.close()


def test_a_bug_during_import_is_logged_and_the_window_goes_on(
    demo_store, make_window, qtbot, tmp_path, monkeypatch, problems, isolated_data_dir
):
    from triage_app.ui import import_dialog

    def broken(*_args, **_kwargs):
        raise RuntimeError("importer fell over")

    monkeypatch.setattr(import_dialog, "import_paths", broken)
    w = make_window(demo_store)
    dialog = w.start_import([_jsonl(tmp_path / "x.jsonl", 2)])
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=5000)
    assert "importer fell over" in dialog.file_label.text()
    title, text = problems[-1]
    assert title == "Something went wrong" and "logs" in text
    logs = list((isolated_data_dir / "logs").glob("crash-*.log"))
    assert logs and "RuntimeError: importer fell over" in logs[0].read_text()
    w.tag_actions["escalate"].trigger()  # the window still works
    assert demo_store.scalar("SELECT count(*) FROM post_tags") == 1


def test_encrypted_store_imports_locks_and_unlocks(make_window, qtbot, tmp_path, isolated_data_dir):
    from triage_app.store.opening import open_for_user

    path = tmp_path / "secret.db"
    store = open_for_user(path, create=True, user="alice", data_dir=isolated_data_dir)
    assert store.key is not None  # SQLCipher, key from the (in-memory) keyring
    w = make_window(
        store,
        runner=TaskRunner(),
        opener=lambda pw: open_for_user(path, user="alice", data_dir=isolated_data_dir),
    )
    dialog = w.start_import([_jsonl(tmp_path / "some.jsonl", 30)])
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=20000)
    assert w.model.rowCount() == 30
    w.tag_actions["boat_crossing"].trigger()
    w.lock()
    assert store.key is None
    assert b"SQLite format 3" not in path.read_bytes()[:16]
    w.unlock()
    assert w.store is not None and w.store.key is not None
    assert w.store.scalar("SELECT count(*) FROM post_tags") == 1
    reopened = w.store
    w.close()
    reopened.close()


def test_locking_hides_every_dialog_and_stops_a_running_import(
    demo_store, make_window, qtbot, tmp_path
):
    """The dialogs over the window show files, counts and keys: they go when it locks. An import
    still running uses the store (and its key) on the worker: locking stops it, keeping nothing
    of the file, and the status bar says so."""
    from triage_app.store import open_store

    w = make_window(demo_store, runner=TaskRunner(), opener=_reopener(demo_store.path))
    w.show_shortcuts()
    pack_dialog = w.export_pack()
    big = _jsonl(tmp_path / "big.jsonl", 60_000)
    importing = w.start_import([big])
    qtbot.waitUntil(lambda: importing.count_label.text() != "", timeout=30000)  # under way
    assert w.shortcut_sheet.isVisible() and pack_dialog.isVisible() and importing.isVisible()

    w.lock()

    assert w.locked
    assert not w.shortcut_sheet.isVisible()
    assert not pack_dialog.isVisible() and not importing.isVisible()
    assert w.statusBar().currentMessage().startswith("Locking stopped: Import.")
    qtbot.waitUntil(lambda: importing.task.done, timeout=60000)
    check = open_store(demo_store.path, user="alice")
    try:
        assert check.scalar("SELECT count(*) FROM posts") == 3000
        assert check.scalar("SELECT count(*) FROM imports WHERE path LIKE '%big.jsonl'") == 0
    finally:
        check.close()


def test_locking_with_only_finished_dialogs_says_nothing_was_stopped(
    demo_store, make_window, qtbot
):
    w = make_window(demo_store)
    w.show_shortcuts()
    w.lock()
    assert not w.shortcut_sheet.isVisible()
    assert w.statusBar().currentMessage() == ""
