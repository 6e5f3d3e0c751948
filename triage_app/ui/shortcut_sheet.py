"""Help ▸ Keyboard shortcuts: every action and its keys, generated from the action table."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.taxonomy import Tag
from .actions import shortcut_rows
from .screen_fit import fit_to_screen


class ShortcutSheet(QDialog):
    """A read-only table: menu, action, keys, what it does."""

    def __init__(self, taxonomy: Iterable[Tag], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutSheet")
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(taxonomy)
        self.table = QTableWidget(len(rows), 4, self)
        self.table.setObjectName("shortcutTable")
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Keys", "What it does"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        for c in range(3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        fit_to_screen(self, (820, 560))

    def rows(self) -> list[tuple[str, ...]]:
        out = []
        for r in range(self.table.rowCount()):
            items = [self.table.item(r, c) for c in range(4)]
            out.append(tuple(i.text() if i is not None else "" for i in items))
        return out
