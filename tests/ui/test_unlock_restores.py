"""Unlocking (issue 14): the passphrase field is there from the start and wide enough, a long
error wraps instead of being cut, the message speaks of the window, and after unlocking the
window is back on the same tab and the same post, even one far down the queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from triage_app.store.keys import PassphraseNeeded
from triage_app.store.queue import QueueQuery
from triage_app.ui.actions import ActionId
from triage_app.ui.stats_view import StatsView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
LONG = (
    "This store's key is protected by a passphrase and the OS keyring does not hold it "
    "(no keyring backend could be loaded on this machine: secretstorage, kwallet and the "
    "file backend were tried); give it with --passphrase-file or TRIAGE_PASSPHRASE_FILE"
)


def _opener(path: Path, passphrase: str | None):
    from triage_app.store import open_store

    def opener(typed: str | None):
        if passphrase is not None and typed != passphrase:
            raise PassphraseNeeded(LONG)
        return open_store(path, user="alice")

    return opener


def test_the_lock_screen_asks_at_once_wraps_and_speaks_of_the_window(
    demo_store, make_window, qtbot
):
    w = make_window(demo_store, opener=_opener(demo_store.path, "correct horse battery"))
    w.resize(1280, 720)
    w.actions_by_id[ActionId.LOCK].trigger()
    field = w.lock_screen.passphrase
    assert field.isVisible()  # before any failed attempt
    assert field.width() >= 250
    w.lock_screen.button.click()
    assert w.locked
    error = w.lock_screen.error
    assert error.wordWrap() and "--passphrase-file" not in error.text()
    assert error.text().endswith("; type it here")
    assert error.width() >= field.width()
    qtbot.waitUntil(lambda: error.height() >= error.heightForWidth(error.width()))  # all shown
    assert error.heightForWidth(error.width()) > error.fontMetrics().lineSpacing() or (
        error.fontMetrics().horizontalAdvance(error.text()) <= error.width()
    )
    w.grab().save("/tmp/sup/lock_screen.png")
    qtbot.keyClicks(field, "correct horse battery")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert not w.locked


def test_unlock_returns_to_the_same_tab_and_post_far_down_the_queue(demo_store, make_window, qtbot):
    w = make_window(demo_store, opener=_opener(demo_store.path, None))
    w.apply_query(QueueQuery())
    assert w.model.rowCount() == 3000
    w.select_row(2500)  # past the first page read on opening
    post = w.current_post_id()
    w.open_view(ActionId.STATS_VIEW)
    w.open_view(ActionId.AUDIT_VIEW)
    w.tabs.setCurrentWidget(w._views[ActionId.STATS_VIEW])
    w.actions_by_id[ActionId.LOCK].trigger()
    assert w.locked and w._views == {}
    w.lock_screen.button.click()
    assert not w.locked
    qtbot.waitUntil(lambda: not w.model.loading, timeout=5000)
    assert w.current_post_id() == post
    assert isinstance(w.tabs.currentWidget(), StatsView)
    assert set(w._views) == {ActionId.STATS_VIEW, ActionId.AUDIT_VIEW}


def test_first_start_asks_a_new_passphrase_twice_in_window_words(tmp_path, qtbot):
    """Without a keyring the first start asks twice with a strength meter (new_passphrase.py)
    and its message gives no --passphrase-file / TRIAGE_PLAIN_STORE advice."""
    import keyring
    from keyring.backends import fail

    from triage_app.ui import app as app_module
    from triage_app.ui.new_passphrase import NewPassphraseDialog

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        path = tmp_path / "new" / "store.db"
        path.parent.mkdir()
        said: list[str] = []
        assert (
            app_module.open_interactive(
                path, path.parent, create=True, ask_new=lambda m: said.append(m) or None
            )
            is None
        )
    finally:
        keyring.set_keyring(before)
    assert len(said) == 1
    assert "keyring" in said[0] and "choose here" in said[0]
    for advice in ("--passphrase-file", "TRIAGE_PLAIN_STORE", "TRIAGE_PASSPHRASE_FILE"):
        assert advice not in said[0]
    dialog = NewPassphraseDialog(said[0])
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.first, "abc")
    qtbot.keyClicks(dialog.second, "abc")
    assert not dialog.ok_button.isEnabled() and dialog.meter.value() <= 1
