"""The idle lock: after a set time without keyboard or mouse input (and on Ctrl+L) the window
locks. Locking closes the store and drops its key from memory; the lock screen asks to unlock,
which re-opens the store the normal way (keyring, or the passphrase typed there)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits ``idle`` once the application has seen no input for ``minutes``."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle.emit)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(max(1, int(minutes * 60_000)))

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()  # restart the countdown
        return False

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockScreen(QWidget):
    """What the window shows while locked: no post content, a passphrase field when needed."""

    unlockRequested = Signal(str)  # the passphrase typed ("" when the keyring holds the key)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        # A plain QWidget paints no style-sheet background unless asked to.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Locked")
        self.title = QLabel("Locked", self)
        self.title.setObjectName("lockTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel("The store is closed. Unlock to carry on where you left off.", self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        # Shown from the start: a store protected by a passphrase needs it at once, and one
        # whose key is in the OS keyring unlocks with the field left empty.
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("unlockPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("Store passphrase (empty if the keyring holds the key)")
        self.passphrase.setAccessibleName("Store passphrase")
        em = self.passphrase.fontMetrics().horizontalAdvance("M")
        self.passphrase.setMinimumWidth(30 * em)
        self.passphrase.setMaximumWidth(40 * em)
        self.button = QPushButton("Unlock", self)
        self.button.setObjectName("unlockButton")
        self.button.setMaximumWidth(200)
        self.error = QLabel(self)
        self.error.setObjectName("unlockError")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.addStretch(2)
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.message)  # full width, centred, wrapped on a narrow window
        for w in (self.passphrase, self.button):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        # The error takes the whole width, centred and wrapped: a long reason is never cut
        # (a word-wrapped label given an alignment in a layout gets a one-line height).
        layout.addWidget(self.error)
        layout.addStretch(3)
        self.button.clicked.connect(self._unlock)
        self.passphrase.returnPressed.connect(self._unlock)

    def _unlock(self) -> None:
        text = self.passphrase.text()
        self.passphrase.clear()
        self.unlockRequested.emit(text)

    def ask_passphrase(self, message: str) -> None:
        self.passphrase.setFocus()
        self.error.setText(message)

    def reset(self) -> None:
        self.error.clear()
        self.passphrase.clear()
        self.passphrase.setFocus()
