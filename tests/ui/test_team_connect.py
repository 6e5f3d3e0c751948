"""The first-start dialog's "Connect to team server" (ui/new_passphrase.py, ui/team_connect.py):
keyboard reachable, TLS required before any connection, Test connection in one line against a
real server, the address remembered per login (never its password), and the next start opening
the team's store in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from triage_app.store.connection import open_store
from triage_app.ui.new_passphrase import NewPassphraseDialog
from triage_app.ui.settings import WindowSettings
from triage_app.ui.team_connect import TeamAddress, chosen_server, open_team_store


@pytest.fixture
def dialog(qtbot):
    shown = NewPassphraseDialog("No store yet")
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def test_the_team_choice_is_reached_with_the_keyboard(dialog, qtbot):
    assert not dialog.team.isVisible()
    dialog.local_choice.setFocus()
    qtbot.keyClick(dialog.local_choice, Qt.Key.Key_Down)  # arrow keys move between choices
    assert dialog.team_choice.isChecked()
    assert dialog.team.isVisible() and dialog.windowTitle() == "Connect to team server"
    # Tab goes from the choice into the address, then the password, then Test connection.
    order = []
    widget = dialog.team_choice
    for _ in range(3):
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisible():
            widget = widget.nextInFocusChain()
        order.append(widget.objectName())
    assert order == ["teamAddress", "teamPassword", "testConnection"]
    for widget in (dialog.team.address, dialog.team.password, dialog.team.result):
        assert widget.accessibleName()
    # Mnemonics name both choices and the button.
    assert "&" in dialog.team_choice.text() and "&" in dialog.team.test_button.text()


def test_a_network_address_without_tls_is_refused_before_connecting(dialog, monkeypatch):
    monkeypatch.delenv("PGSSLMODE", raising=False)
    dialog.team_choice.setChecked(True)
    dialog.team.address.setText("postgresql://db.example.org/triage")
    assert "without TLS" in dialog.team.result.text()
    assert "\n" not in dialog.team.result.text()
    assert not dialog.team.test_button.isEnabled()
    assert not dialog.ok_button.isEnabled()
    dialog.team.address.setText("not an address")
    assert "postgresql://" in dialog.team.result.text()
    assert not dialog.ok_button.isEnabled()
    dialog.team.address.setText("postgresql://db.example.org/triage?sslmode=verify-full")
    assert dialog.team.result.text() == ""
    assert dialog.ok_button.isEnabled() and dialog.team.test_button.isEnabled()


def test_test_connection_says_what_is_there_in_one_line(dialog, pg_server, qtbot):
    dialog.team_choice.setChecked(True)
    store = open_store(pg_server.fresh_database(), create=True)
    try:
        dialog.team.address.setText(store.url)
        qtbot.mouseClick(dialog.team.test_button, Qt.MouseButton.LeftButton)
        said = dialog.team.result.text()
        assert said.startswith("Connected as ") and "a triage store is there" in said
    finally:
        store.close()
    dialog.team.address.setText(pg_server.empty_database())
    assert dialog.team.test_connection() is False
    assert "no triage store yet" in dialog.team.result.text()
    missing = pg_server.url("no_such_database")
    dialog.team.address.setText(missing)
    assert dialog.team.test_connection() is False
    said = dialog.team.result.text()
    assert said.startswith("Cannot connect") and "no_such_database" in said
    assert "\n" not in said and "Traceback" not in said


def test_choosing_the_server_opens_it_and_remembers_it_for_this_login(
    dialog, pg_server, isolated_data_dir: Path, acting_person: str, monkeypatch
):
    from triage_app.ui import app

    url = pg_server.fresh_database()
    open_store(url, create=True).close()
    dialog.team_choice.setChecked(True)
    dialog.team.address.setText(url)
    dialog.team.password.setText("typed but not needed")
    answer = dialog.answer()
    assert isinstance(answer, TeamAddress) and str(answer) == url
    assert answer.password == "typed but not needed"

    # The first start: no store file, the first-start dialog answers with the server.
    from triage_app.ui import new_passphrase

    monkeypatch.setattr(new_passphrase, "ask_first_start", lambda: TeamAddress(url))
    window = app.start([])
    assert not isinstance(window, int)
    try:
        assert window.store.backend == "postgresql" and window.live.listening
    finally:
        window.close()
    assert not (isolated_data_dir / "store.db").exists()
    assert WindowSettings(isolated_data_dir).team_server(acting_person) == url
    assert WindowSettings(isolated_data_dir).team_server("someone_else") is None
    assert chosen_server(None, isolated_data_dir, acting_person) == url
    # --db naming a file still wins over the remembered server.
    assert chosen_server(str(isolated_data_dir / "x.db"), isolated_data_dir, acting_person) is None


def test_a_first_start_without_a_keyring_offers_the_server_too(
    pg_server, isolated_data_dir: Path, acting_person: str, monkeypatch
):
    from triage_app.store.keys import KeyringUnavailable
    from triage_app.ui import app

    url = pg_server.fresh_database()
    open_store(url, create=True).close()

    def no_keyring(*_args, **_kwargs):
        raise KeyringUnavailable("The OS keyring is not available")

    asked: list[str] = []

    def answer(message: str) -> TeamAddress:
        asked.append(message)
        return TeamAddress(url)

    import triage_app.store.opening as opening

    monkeypatch.setattr(opening, "new_key", no_keyring, raising=False)
    store = app.open_interactive(
        isolated_data_dir / "store.db", isolated_data_dir, create=True, ask_new=answer
    )
    try:
        assert asked and store is not None and store.backend == "postgresql"
    finally:
        if store is not None:
            store.close()
    assert WindowSettings(isolated_data_dir).team_server(acting_person) == url


def test_the_local_choice_with_no_passphrase_makes_the_store_as_before(
    isolated_data_dir: Path, monkeypatch
):
    from triage_app.ui import app, new_passphrase

    monkeypatch.setattr(new_passphrase, "ask_first_start", lambda: "")
    store = app.start_from_nothing(isolated_data_dir / "store.db", isolated_data_dir)
    try:
        assert store is not None and store.backend == "sqlite"
    finally:
        if store is not None:
            store.close()
    assert (isolated_data_dir / "store.db").exists()
    assert WindowSettings(isolated_data_dir).team_server("alice") is None


def test_the_first_start_dialog_accepts_no_passphrase_only_when_optional(qtbot):
    first = NewPassphraseDialog("", optional=True)
    qtbot.addWidget(first)
    assert first.ok_button.isEnabled() and first.answer() == ""
    first.first.setText("short")
    assert not first.ok_button.isEnabled()
    plain = NewPassphraseDialog("The OS keyring is not available")
    qtbot.addWidget(plain)
    assert not plain.ok_button.isEnabled()


def test_the_next_start_opens_the_remembered_server_in_the_window(
    pg_server, isolated_data_dir: Path, acting_person: str, qtbot
):
    from triage_app.ui import app

    url = pg_server.fresh_database()
    open_store(url, create=True).close()
    settings = WindowSettings(isolated_data_dir)
    settings.set_team_server(acting_person, url)
    settings.sync()
    window = app.start([])
    assert not isinstance(window, int)
    qtbot.addWidget(window)
    try:
        assert window.store.backend == "postgresql"
        assert window.live.listening
        assert not (isolated_data_dir / "store.db").exists()
    finally:
        window.close()


def test_a_password_is_never_remembered(pg_server, isolated_data_dir: Path, acting_person: str):
    url = pg_server.fresh_database()
    open_store(url, create=True).close()
    # Trust authentication ignores the password; what is written must not contain it.
    store = open_team_store(
        url + "&password=s3cret-word", isolated_data_dir, remember_for=acting_person
    )
    assert store is not None
    store.close()
    remembered = WindowSettings(isolated_data_dir).team_server(acting_person)
    assert remembered is not None and "s3cret" not in remembered
    assert "s3cret" not in (isolated_data_dir / "window.ini").read_text()


def test_a_server_that_wants_a_password_asks_for_it_and_a_refusal_is_one_line(
    pg_server, isolated_data_dir: Path
):
    from triage_app.core.errors import TriageError

    asked: list[str] = []
    with pytest.raises(TriageError) as refused:
        open_team_store(
            pg_server.url("no_such_database"), isolated_data_dir, ask=lambda m: asked.append(m)
        )
    assert asked == []  # not a password problem: no prompt
    assert "\n" not in str(refused.value) and "no_such_database" in str(refused.value)
