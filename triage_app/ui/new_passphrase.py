"""The first-start dialog for a new store's passphrase: asked twice, with a strength meter.

Strength is zxcvbn's estimate (store/strength.py, the same rule the library enforces): OK is
enabled only when the passphrase is long and strong enough and both fields match; the meter
and the line under it show the estimator's warning and suggestions while the person types."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from ..store.strength import MIN_LENGTH, MIN_SCORE, estimate
from .screen_fit import fit_to_screen

# Light fills, so the black label on top stays readable at every score.
COLOURS = ("#f1948a", "#f5b041", "#f7dc6f", "#82e0aa", "#52be80")


class NewPassphraseDialog(QDialog):
    """Ask for a new store passphrase twice; ``passphrase()`` after ``exec()`` returns it."""

    def __init__(self, message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newPassphraseDialog")
        self.setWindowTitle("New store passphrase")
        layout = QVBoxLayout(self)
        intro = QLabel(
            (message + "\n\n" if message else "")
            + "Choose a passphrase for the new store. It protects the store's key: without it "
            "nobody, you included, can open the store on another machine. Use at least "
            f"{MIN_LENGTH} characters; a few unrelated words are easy to remember and hard to "
            "guess.",
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
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()
        fit_to_screen(self, (520, self.sizeHint().height()))

    @property
    def ok_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def passphrase(self) -> str:
        return self.first.text()

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
        self.ok_button.setEnabled(bool(text) and problem is None and self.second.text() == text)

    def accept(self) -> None:
        if not self.ok_button.isEnabled():  # Enter in a field while it is not acceptable
            return
        super().accept()


def ask_new_passphrase(message: str, parent: QWidget | None = None) -> str | None:
    """Show the dialog; the chosen passphrase, or None if the person cancelled."""
    dialog = NewPassphraseDialog(message, parent)
    try:
        return dialog.passphrase() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
