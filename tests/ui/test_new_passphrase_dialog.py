"""The window's first start without a keyring (issue 12): a new store's passphrase is asked
twice with a strength meter (zxcvbn), OK only when strong enough and both match; the store is
then created wrapped by that passphrase. An existing store is still asked once."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from triage_app.store.keys import read_keyinfo
from triage_app.ui import app as app_module
from triage_app.ui.new_passphrase import NewPassphraseDialog

STRONG = "heron quilt mango 1987 lantern"


@pytest.fixture
def no_keyring():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def type_into(qtbot, dialog, first: str, second: str) -> None:
    dialog.first.clear()
    dialog.second.clear()
    qtbot.keyClicks(dialog.first, first)
    qtbot.keyClicks(dialog.second, second)


def test_the_dialog_asks_twice_and_shows_strength(qtbot):
    dialog = NewPassphraseDialog("The OS keyring is not available")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.ok_button.isEnabled()

    type_into(qtbot, dialog, "a", "a")
    assert dialog.meter.value() == 0 and not dialog.ok_button.isEnabled()
    assert "too short: 1 character" in dialog.feedback.text()

    type_into(qtbot, dialog, "password1", "password1")
    assert dialog.meter.value() < 3 and not dialog.ok_button.isEnabled()
    assert "very common password" in dialog.feedback.text()  # zxcvbn's own warning

    type_into(qtbot, dialog, STRONG, STRONG[:-1])
    assert dialog.meter.value() >= 3 and not dialog.ok_button.isEnabled()
    assert "do not match" in dialog.feedback.text()
    dialog.accept()  # Enter while not acceptable does nothing
    assert dialog.isVisible()

    qtbot.keyClicks(dialog.second, STRONG[-1])
    assert dialog.ok_button.isEnabled() and "Strong enough" in dialog.feedback.text()
    assert "strong" in dialog.meter.format()
    dialog.ok_button.click()
    assert dialog.result() == NewPassphraseDialog.DialogCode.Accepted
    assert dialog.passphrase() == STRONG


def test_first_start_without_keyring_creates_the_store_with_the_dialog(qtbot, tmp_path, no_keyring):
    path = tmp_path / "stick" / "store.db"
    path.parent.mkdir()
    seen: list[NewPassphraseDialog] = []

    def drive() -> None:  # the person types in the real dialog that open_interactive shows
        dialog = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, NewPassphraseDialog) and w.isVisible()
        )
        seen.append(dialog)
        qtbot.keyClicks(dialog.first, STRONG)
        qtbot.keyClicks(dialog.second, STRONG)
        dialog.ok_button.click()

    QTimer.singleShot(200, drive)
    asked_once: list[str] = []
    store = app_module.open_interactive(
        path, path.parent, create=True, ask=lambda m: asked_once.append(m) or None
    )
    assert store is not None and seen and not asked_once
    info = read_keyinfo(path)
    assert info is not None and info.encrypted and info.wrapped and not info.in_keyring
    store.close()
    # the existing store is opened with one question, answered with the same passphrase
    answers: list[str] = []
    again = app_module.open_interactive(
        path,
        path.parent,
        create=True,
        ask=lambda m: answers.append(m) or STRONG,
        ask_new=lambda m: pytest.fail("asked for a new passphrase for an existing store"),
    )
    assert again is not None and len(answers) == 1
    again.close()


def test_cancelling_the_dialog_creates_nothing(qtbot, tmp_path, no_keyring):
    path = tmp_path / "stick" / "store.db"
    path.parent.mkdir()

    shown: list[QDialog] = []

    def cancel() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible():
                shown.append(w)
                w.reject()

    QTimer.singleShot(200, cancel)
    assert app_module.open_interactive(path, path.parent, create=True) is None
    assert len(shown) == 1 and isinstance(shown[0], NewPassphraseDialog)
    assert list(path.parent.iterdir()) == []
