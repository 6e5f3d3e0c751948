"""The liaisons' address book in the window: each platform liaison's age public key under a
label, with the platform it is for. Add from a pasted key or a key file, remove, and read the
platform's hint (resources/platforms.toml) on what to ask the liaison for. Every change goes
through store/referrals.py (role check, audit row); a bad key or label is one line under the
form, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..packs.platforms import Platform, load_platforms
from ..store.connection import Store
from ..store.referrals import add_recipient, list_recipients, remove_recipient
from .screen_fit import fit_to_screen
from .wording import window_wording

COLUMNS = ("Label", "Platform", "age public key", "Added by", "Added (UTC)")
ANY = ""
_AGE_KEY = re.compile(r"\bage1[0-9a-z]{20,}\b")
_MAX_KEY_FILE = 64 * 1024


def key_from_file(path: Path) -> str:
    """The age public key in a file: a liaison's .pub or text file, or the '# public key:' line
    of an age-keygen identity file (only the public key is taken). One clear line otherwise."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_KEY_FILE + 1)
    except OSError as exc:
        raise TriageError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    if len(raw) > _MAX_KEY_FILE:
        raise TriageError(f"{path.name} is too large to be a key file")
    text = raw.decode("utf-8", errors="replace")
    found = _AGE_KEY.findall(text)
    if not found:
        if "AGE-SECRET-KEY-" in text:
            raise TriageError(
                f"{path.name} holds a private key and no public key: ask the liaison for their "
                "public key (age1…), never their private one"
            )
        raise TriageError(f"{path.name} holds no age public key (a line starting 'age1')")
    if len(set(found)) > 1:
        raise TriageError(f"{path.name} holds {len(set(found))} different keys: add one at a time")
    return str(found[0])


def platform_hint(platform: Platform | None) -> str:
    """What to ask the liaison for, and the platform's own liaison notes."""
    ask = (
        "Ask the liaison for their age public key (one line starting age1…) over a channel you "
        "trust, and check it with them by phone; never take a private key (AGE-SECRET-KEY-…)."
    )
    if platform is None:
        return f"A key for any platform is offered for every pack. {ask}"
    notes = " " + " ".join(platform.liaison_notes.split()) if platform.liaison_notes else ""
    return f"{platform.name}:{notes} {ask}"


class AddressBookDialog(QDialog):
    """Add, list and remove liaisons; ``changed`` after each change."""

    changed = Signal()

    def __init__(
        self, store: Store, parent: QWidget | None = None, platform: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("addressBookDialog")
        self.setWindowTitle("Liaison address book")
        self.setSizeGripEnabled(True)
        self.store = store
        try:
            self.platforms = load_platforms()
        except TriageError:
            self.platforms = {}
        # Tests replace this: (title, question) -> yes?
        self.confirm = self._confirm

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Referral packs are encrypted to these keys: only a liaison listed here for the "
            "pack's platform (or for any platform) can open it.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("addressBookTable")
        self.table.setAccessibleName("Liaisons in the address book")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        self.remove_button = QPushButton("Remove selected liaison", self)
        self.remove_button.setObjectName("addressBookRemove")
        self.remove_button.clicked.connect(self.remove_selected)
        remove_row.addWidget(self.remove_button)
        layout.addLayout(remove_row)

        form = QFormLayout()
        self.label = QLineEdit(self)
        self.label.setObjectName("liaisonLabel")
        self.label.setPlaceholderText("a name, e.g. meta-liaison")
        self.label.setAccessibleName("Label")
        self.platform = QComboBox(self)
        self.platform.setObjectName("liaisonPlatform")
        self.platform.setAccessibleName("Platform")
        self.platform.addItem("Any platform", ANY)
        for key, info in sorted(self.platforms.items(), key=lambda kv: kv[1].name):
            self.platform.addItem(info.name, key)
        self.key = QLineEdit(self)
        self.key.setObjectName("liaisonKey")
        self.key.setPlaceholderText("age1…  (paste the liaison's public key)")
        self.key.setAccessibleName("age public key")
        from_file = QPushButton("From file…", self)
        from_file.setObjectName("liaisonKeyFile")
        from_file.setToolTip("Read the public key from a file the liaison sent (.pub or .txt)")
        from_file.clicked.connect(self.choose_key_file)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key, 1)
        key_row.addWidget(from_file)
        form.addRow("Label:", self.label)
        form.addRow("Platform:", self.platform)
        form.addRow("Public key:", key_row)
        layout.addLayout(form)
        self.hint = QLabel(self)
        self.hint.setObjectName("liaisonHint")
        self.hint.setWordWrap(True)
        self.hint.setMinimumHeight(self.hint.fontMetrics().lineSpacing() * 4)
        layout.addWidget(self.hint)
        self.error = QLabel(self)
        self.error.setObjectName("liaisonError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.error)
        self.add_button = QPushButton("Add liaison", self)
        self.add_button.setObjectName("liaisonAdd")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)

        self.platform.currentIndexChanged.connect(lambda _i: self._show_hint())
        if platform is not None:
            index = self.platform.findData(platform)
            self.platform.setCurrentIndex(max(index, 0))
        self._show_hint()
        self.refresh()
        fit_to_screen(self, (760, 560))

    def _show_hint(self) -> None:
        key = str(self.platform.currentData() or ANY)
        self.hint.setText(platform_hint(self.platforms.get(key)))

    def refresh(self) -> None:
        people = list_recipients(self.store)
        self.table.setRowCount(len(people))
        for row, r in enumerate(people):
            platform = (
                self.platforms[r.platform].name
                if r.platform in self.platforms
                else (r.platform or "any platform")
            )
            values = (
                r.label,
                platform,
                r.public_key,
                r.added_by,
                r.added_at[:16].replace("T", " "),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                item.setData(Qt.ItemDataRole.UserRole, r.label)
                self.table.setItem(row, col, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.remove_button.setEnabled(bool(people))

    def labels(self) -> list[str]:
        items = (self.table.item(r, 0) for r in range(self.table.rowCount()))
        return [item.text() for item in items if item is not None]

    def _say(self, text: str) -> None:
        self.error.setStyleSheet("color: #b00020;")
        self.error.setText(window_wording(text))

    def choose_key_file(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "The liaison's public key file")
            if not chosen:
                return
            path = Path(chosen)
        try:
            self.key.setText(key_from_file(path))
        except TriageError as exc:
            self._say(str(exc))
            return
        self.error.clear()
        if not self.label.text().strip():
            self.label.setText(path.stem)

    def add(self) -> bool:
        label = self.label.text().strip()
        key = self.key.text().strip()
        if not label:
            self._say("Give the liaison a label, e.g. meta-liaison")
            return False
        if not key:
            self._say("Paste the liaison's age public key (age1…) or read it from a file")
            return False
        if key.startswith("AGE-SECRET-KEY-"):
            self._say(
                "That is a private key: ask the liaison for their public key (age1…) instead, "
                "and do not keep the private one"
            )
            self.key.clear()
            return False
        platform = str(self.platform.currentData() or ANY) or None
        try:
            added = add_recipient(self.store, label, key, platform)
        except TriageError as exc:
            self._say(str(exc))
            return False
        self.error.clear()
        self.label.clear()
        self.key.clear()
        self.refresh()
        self.changed.emit()
        self.error.setStyleSheet("color: #1b5e20;")
        self.error.setText(f"Added {added.label}.")
        return True

    def remove_selected(self) -> bool:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self._say("Select the liaison to remove first")
            return False
        item = self.table.item(rows[0].row(), 0)
        if item is None:
            return False
        label = item.text()
        if not self.confirm(
            "Remove liaison",
            f"Remove {label} from the address book? Packs already built for them are unchanged.",
        ):
            return False
        try:
            remove_recipient(self.store, label)
        except TriageError as exc:
            self._say(str(exc))
            return False
        self.error.clear()
        self.refresh()
        self.changed.emit()
        return True

    def _confirm(self, title: str, question: str) -> bool:
        return QMessageBox.question(self, title, question) == QMessageBox.StandardButton.Yes
