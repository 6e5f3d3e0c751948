"""Record what became of a referred account — taken down or still live, with the day it was
seen — and show its outcome history (the account card and the main window open this)."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from ..store.connection import Store
from ..store.outcomes import AccountRef, find_account, first_referred, outcome_history
from ..store.outcomes import record_outcome as store_record_outcome
from .rows_model import report_problem
from .screen_fit import fit_to_screen

CHOICES = (("Taken down", "taken_down"), ("Still live", "still_live"))


class OutcomeDialog(QDialog):
    """One outcome per use; supervisors only (analysts see the history, read-only)."""

    def __init__(self, store: Store, account: str | int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcomeDialog")
        self.store = store
        self.account: AccountRef = find_account(store, str(account))
        self.setWindowTitle(f"Outcome for {self.account.label}")
        layout = QVBoxLayout(self)
        referred = first_referred(store, self.account.id)
        self.info = QLabel(
            f"{self.account.label}: "
            + (f"first referred on {referred}" if referred else "not referred yet"),
            self,
        )
        layout.addWidget(self.info)
        self.history = QListWidget(self)
        self.history.setObjectName("outcomeHistory")
        self.history.setAccessibleName("Outcome history, oldest first")
        layout.addWidget(self.history)
        form = QFormLayout()
        self.outcome = QComboBox(self)
        for text, key in CHOICES:
            self.outcome.addItem(text, key)
        self.date = QDateEdit(QDate.currentDate(), self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMaximumDate(QDate.currentDate())
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("optional, e.g. the platform's reply reference")
        form.addRow("Outcome:", self.outcome)
        form.addRow("Seen on:", self.date)
        form.addRow("Note:", self.note)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.notice = QLabel(self)
        layout.addWidget(self.notice)
        allowed = store.role_of() == "supervisor"
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(allowed and referred is not None)
        if not allowed:
            self.notice.setText(
                f"Recording an outcome needs the supervisor role; {store.user} "
                f"is {store.role_of() or 'not a user of this store'}."
            )
        self._fill()
        fit_to_screen(self, (560, self.sizeHint().height()))

    def _fill(self) -> None:
        self.history.clear()
        for item in outcome_history(self.store, self.account.id):
            text = f"{item.on_date}  {item.outcome.replace('_', ' ')}  ({item.actor})"
            self.history.addItem(f"{text}: {item.note}" if item.note else text)
        if self.history.count() == 0:
            self.history.addItem("No outcome recorded yet")

    def save(self) -> bool:
        """Record the outcome shown; True when stored (the dialog then closes)."""
        try:
            store_record_outcome(
                self.store,
                self.account.id,
                str(self.outcome.currentData()),
                self.date.date().toString("yyyy-MM-dd"),
                self.note.text().strip() or None,
            )
        except Exception as exc:
            report_problem(self, exc, "Cannot record the outcome")
            return False
        self._fill()
        self.accept()
        return True
