"""The first-start dialog for a new store's passphrase: asked twice, with a strength meter.

Strength is zxcvbn's estimate (store/strength.py, the same rule the library enforces): OK is
enabled only when the passphrase is long and strong enough and both fields match; the meter
and the line under it show the estimator's warning and suggestions while the person types.

It is also where a person on a team chooses "Connect to team server" instead: the store is
then the team's, on a PostgreSQL server (team_connect.py), and no passphrase is asked."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..store.strength import MIN_LENGTH, MIN_SCORE, estimate
from .screen_fit import fit_to_screen
from .team_connect import TeamAddress, TeamServerPanel

# Light fills, so the black label on top stays readable at every score.
COLOURS = ("#f1948a", "#f5b041", "#f7dc6f", "#82e0aa", "#52be80")


class NewPassphraseDialog(QDialog):
    """Ask for a new store passphrase twice; ``passphrase()`` after ``exec()`` returns it."""

    def __init__(
        self, message: str = "", parent: QWidget | None = None, *, optional: bool = False
    ) -> None:
        super().__init__(parent)
        # The first start on a machine whose keyring keeps the key: a passphrase is a choice.
        self.optional = optional
        self.setObjectName("newPassphraseDialog")
        self.setWindowTitle("New store passphrase")
        outer = QVBoxLayout(self)
        # Where the work is kept: a new store on this computer, or the team's server.
        self.local_choice = QRadioButton("Keep a new store on this &computer", self)
        self.local_choice.setObjectName("localChoice")
        self.team_choice = QRadioButton("Connect to &team server", self)
        self.team_choice.setObjectName("teamChoice")
        self.local_choice.setChecked(True)
        self.choices = QButtonGroup(self)
        for button in (self.local_choice, self.team_choice):
            self.choices.addButton(button)
            outer.addWidget(button)
        self.pages = QStackedWidget(self)
        local_page = QWidget(self.pages)
        layout = QVBoxLayout(local_page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.team = TeamServerPanel(self.pages)
        self.pages.addWidget(local_page)
        self.pages.addWidget(self.team)
        outer.addWidget(self.pages, 1)
        intro = QLabel(
            (message + "\n\n" if message else "")
            + "Choose a passphrase for the new store. It protects the store's key: without it "
            "nobody, you included, can open the store on another machine. Use at least "
            f"{MIN_LENGTH} characters; a few unrelated words are easy to remember and hard to "
            "guess."
            + (
                "\n\nYour system keyring keeps the store's key, so you may leave both fields "
                "empty; the store then opens only on this computer, for this login."
                if optional
                else ""
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.first = QLineEdit(self)
        self.first.setObjectName("passphrase")
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName("New passphrase")
        self.second = QLineEdit(self)
        self.second.setObjectName("repeat")
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName("Repeat the passphrase")
        form.addRow("Passphrase:", self.first)
        form.addRow("Repeat:", self.second)
        layout.addLayout(form)
        self.meter = QProgressBar(self)
        self.meter.setObjectName("strength")
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(True)
        self.meter.setAccessibleName("Passphrase strength")
        layout.addWidget(self.meter)
        self.feedback = QLabel(self)
        self.feedback.setObjectName("strengthText")
        self.feedback.setWordWrap(True)
        layout.addWidget(self.feedback)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self.team.changed.connect(self._update)
        self.team_choice.toggled.connect(self._chose)
        self._chose(False)
        fit_to_screen(self, (520, self.sizeHint().height()))

    @property
    def ok_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def passphrase(self) -> str:
        return self.first.text()

    def answer(self) -> str | TeamAddress:
        """The new store's passphrase, or the team server's address (a TeamAddress)."""
        return self.team.answer() if self.team_choice.isChecked() else self.passphrase()

    def _chose(self, team: bool) -> None:
        self.pages.setCurrentIndex(1 if team else 0)
        # The page not shown takes no room: the dialog is as tall as what it shows.
        for page in (self.pages.widget(i) for i in range(self.pages.count())):
            shown = page is self.pages.currentWidget()
            policy = QSizePolicy.Policy.Preferred if shown else QSizePolicy.Policy.Ignored
            if page is not None:
                page.setSizePolicy(policy, policy)
        layout = self.layout()
        if self.isVisible() and layout is not None and layout.hasHeightForWidth():
            self.resize(self.width(), layout.totalHeightForWidth(self.width()))
        if not self.optional:
            self.setWindowTitle("Connect to team server" if team else "New store passphrase")
        self._update()

    def _update(self) -> None:
        text = self.first.text()
        strength = estimate(text)
        self.meter.setValue(strength.score if text else 0)
        self.meter.setFormat(f"{strength.words} ({strength.score} of 4)" if text else "")
        colour = COLOURS[strength.score]
        # The label sits centred on a light track so it stays readable whatever the fill.
        self.meter.setStyleSheet(
            "QProgressBar { text-align: center; color: black; background: #eeeeee; "
            "border: 1px solid #bbbbbb; border-radius: 3px; }"
            f"QProgressBar::chunk {{ background: {colour}; border-radius: 2px; }}"
        )
        problem = strength.problem() if text else None
        if problem:
            message = problem
        elif text and self.second.text() != text:
            message = "The two passphrases do not match yet"
        elif text:
            message = f"Strong enough ({strength.words}; {MIN_SCORE} of 4 needed)"
        else:
            message = ""
        self.feedback.setText(message)
        if self.team_choice.isChecked():
            self.ok_button.setEnabled(self.team.problem() is None)
            return
        if self.optional and not text and not self.second.text():
            self.ok_button.setEnabled(True)
            return
        self.ok_button.setEnabled(bool(text) and problem is None and self.second.text() == text)

    def accept(self) -> None:
        if not self.ok_button.isEnabled():  # Enter in a field while it is not acceptable
            return
        super().accept()


def ask_new_passphrase(message: str, parent: QWidget | None = None) -> str | None:
    """Show the dialog; the chosen passphrase, a TeamAddress when the person chose the team's
    server instead, or None if they cancelled."""
    dialog = NewPassphraseDialog(message, parent)
    try:
        return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def ask_first_start(parent: QWidget | None = None) -> str | None:
    """The window's first start without a store: a new store on this computer (its passphrase,
    "" for none: the keyring keeps its key) or the team's server (a TeamAddress); None if the
    person cancelled."""
    dialog = NewPassphraseDialog("", parent, optional=True)
    dialog.setWindowTitle("First start")
    try:
        return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
