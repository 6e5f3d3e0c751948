"""The note field under the preview: N puts the cursor here, Enter saves the note on the current
post (one committed decision), Esc gives up the edit and returns to the queue."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class NoteField(QLineEdit):
    """One line of note; ``saved(text)`` on Enter, ``left()`` on Esc."""

    saved = Signal(str)
    left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteField")
        self.setAccessibleName("Note on the current post")
        self.setPlaceholderText("Note on this post — N to write, Enter to save, Esc to leave")
        self.setToolTip("A note on the current post (N); Enter saves it as a decision")
        self._shown = ""
        self.returnPressed.connect(self._save)

    def show_note(self, note: str | None) -> None:
        self._shown = note or ""
        self.setText(self._shown)

    def _save(self) -> None:
        self._shown = self.text()
        self.saved.emit(self.text())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        if event.key() == Qt.Key.Key_Escape:
            self.setText(self._shown)
            self.left.emit()
            return
        super().keyPressEvent(event)
