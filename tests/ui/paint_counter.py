"""Counting the paint events a widget receives (tests of what repaints and what does not)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class Paints(QObject):
    """An event filter that counts Paint events; install it on the widget to watch."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False
