"""Connecting the window to the team's server instead of a store on this computer.

The first-start dialog (new_passphrase.py) shows :class:`TeamServerPanel` when the person
chooses "Connect to team server": the postgresql:// address, an optional password (kept in
memory only), and a Test connection button that says in one line what is there. The address
is remembered for this login in the window's settings (settings.py), never the password:
certificates, Kerberos or ~/.pgpass need none, otherwise the window asks at start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..store.connection import Store
from .wording import window_wording

PLACEHOLDER = "postgresql://triage.example.org/triage?sslmode=verify-full"


class TeamAddress(str):
    """A first-start answer that names a team server (instead of a new store's passphrase);
    ``password`` is what was typed beside it, never written anywhere."""

    password: str = ""


class TeamServerPanel(QWidget):
    """Address, password and Test connection; ``changed`` when the address is edited."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamServerPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "Work on the team's shared queue. Your login on the server is who you are; ask "
            "your administrator for the address. Over a network it must use TLS "
            "(sslmode=verify-full); a local socket needs none.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.address = QLineEdit(self)
        self.address.setObjectName("teamAddress")
        self.address.setPlaceholderText(PLACEHOLDER)
        self.address.setAccessibleName("Team server address")
        self.password = QLineEdit(self)
        self.password.setObjectName("teamPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("only if your login has one; not remembered")
        self.password.setAccessibleName("Password of your server login")
        form.addRow("&Address:", self.address)
        form.addRow("Pass&word:", self.password)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setObjectName("testConnection")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        self.result = QLabel(self)
        self.result.setObjectName("teamResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setAccessibleName("Connection test result")
        row.addWidget(self.test_button)
        row.addWidget(self.result, 1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.address.textChanged.connect(self._edited)
        self.password.textChanged.connect(lambda _t: self.result.clear())
        self._edited()

    def url(self) -> str:
        return self.address.text().strip()

    def problem(self) -> str | None:
        """Why the address cannot be used as typed (checked without connecting), or None."""
        from ..store.pg.url import check_transport, is_postgres_url

        url = self.url()
        if not url:
            return "Type the address of the team server"
        if not is_postgres_url(url):
            return "A team server address starts with postgresql://"
        try:
            check_transport(url)
        except TriageError as exc:
            return window_wording(str(exc))
        return None

    def answer(self) -> TeamAddress:
        chosen = TeamAddress(self.url())
        chosen.password = self.password.text()
        return chosen

    def _edited(self) -> None:
        problem = self.problem() if self.url() else None
        self.result.setText(problem or "")
        self.test_button.setEnabled(bool(self.url()) and problem is None)
        self.changed.emit()

    def test_connection(self) -> bool:
        """Connect once and say what is there in one line (True when a store is there)."""
        from ..store.pg.probe import probe, with_password

        problem = self.problem()
        if problem is not None:
            self.result.setText(problem)
            return False
        self.result.setText("Connecting…")
        self.result.repaint()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            said = probe(with_password(self.url(), self.password.text()))
        except TriageError as exc:
            self.result.setText(window_wording(str(exc)))
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.result.setText(said)
        return "a triage store is there" in said


def chosen_server(db: str | None, data: Path, user: str) -> str | None:
    """The team server to open: --db or TRIAGE_DB when it is an address, else the one this
    login chose at first start (only when no --db was given)."""
    import os

    from ..store.pg.url import is_postgres_url
    from .settings import WindowSettings

    named = db or os.environ.get("TRIAGE_DB")
    if named:
        return named.strip() if is_postgres_url(named) else None
    return WindowSettings(data).team_server(user)


def ask_password(message: str, parent: QWidget | None = None) -> str | None:
    text, ok = QInputDialog.getText(
        parent, "Team server password", message, QLineEdit.EchoMode.Password
    )
    return text if ok else None


def open_team_store(
    url: str,
    data: Path,
    *,
    password: str = "",
    remember_for: str | None = None,
    ask: Callable[[str], str | None] = ask_password,
) -> Store | None:
    """Open the team's store at ``url``, asking for the login's password when the server wants
    one (None when declined); with ``remember_for``, the address (without a password) becomes
    that person's team server for the next start."""
    from ..store.pg.opening import open_pg_store
    from ..store.pg.probe import PasswordNeeded, try_login, with_password, without_password

    while True:
        try:
            try_login(with_password(url, password))
            break
        except PasswordNeeded as exc:
            answer = ask(f"{window_wording(str(exc))}\n\nPassword of your server login:")
            if answer is None:
                return None
            password = answer
    store = open_pg_store(with_password(url, password), data_dir=data)
    if remember_for is not None:
        from .settings import WindowSettings

        settings = WindowSettings(data)
        settings.set_team_server(remember_for, without_password(url))
        settings.sync()
    return store
