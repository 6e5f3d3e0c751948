"""The dialogs' file questions: the answer lands in the field (with .age added to a pack name),
a cancelled question changes nothing, and the public key is saved once, never over a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QLineEdit

from triage_app.ui import file_choosers as fc


@pytest.fixture
def field(qtbot) -> QLineEdit:
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.setText("/old/choice.age")
    return edit


def _answer(monkeypatch, method: str, answer: str, asked: list) -> None:
    def fake(parent, title, start, kinds):
        asked.append((title, start, kinds))
        return answer, kinds

    monkeypatch.setattr(QFileDialog, method, staticmethod(fake))


def test_a_pack_name_gets_age_added_and_the_question_starts_at_the_old_choice(
    monkeypatch, field
) -> None:
    asked: list = []
    _answer(monkeypatch, "getSaveFileName", "/media/usb/referral-facebook", asked)
    fc.choose_age_file_to_write(None, "Pack file", field)
    assert field.text() == "/media/usb/referral-facebook.age"
    assert asked == [("Pack file", "/old/choice.age", fc.AGE_FILES)]
    _answer(monkeypatch, "getSaveFileName", "/media/usb/kept.age", asked)
    fc.choose_age_file_to_write(None, "Pack file", field)
    assert field.text() == "/media/usb/kept.age"


def test_a_cancelled_question_changes_nothing(monkeypatch, field) -> None:
    _answer(monkeypatch, "getOpenFileName", "", [])
    fc.choose_file_to_read(None, "Sync pack", field, fc.AGE_FILES)
    assert field.text() == "/old/choice.age"
    saved: list = []
    _answer(monkeypatch, "getSaveFileName", "", [])
    fc.choose_where_to_save_public_key(None, "signer.pub", saved.append)
    assert saved == []


def test_a_file_to_read_may_be_of_any_kind(monkeypatch, field) -> None:
    asked: list = []
    _answer(monkeypatch, "getOpenFileName", "/media/usb/signer.pub", asked)
    fc.choose_file_to_read(None, "Signer public key", field, fc.PUBLIC_KEYS)
    assert field.text() == "/media/usb/signer.pub"
    assert asked[0][2] == f"{fc.PUBLIC_KEYS};;All files (*)"


def test_the_public_key_is_saved_and_never_over_a_file(make_store, tmp_path: Path) -> None:
    store = make_store()
    said: list[str] = []
    target = tmp_path / "signer.pub"
    fc.save_public_key(store, target, said.append)
    assert said == [f"Saved the signer public key to {target}."]
    assert target.read_text().startswith("untrusted comment:")
    before = target.read_bytes()
    fc.save_public_key(store, target, said.append)
    assert len(said) == 2 and "already exists" in said[1] and said[1].endswith(".")
    assert target.read_bytes() == before
