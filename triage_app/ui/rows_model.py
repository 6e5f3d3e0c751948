"""A read-only table model over a list of rows, for the supervisor, audit and blind review
views: their lists are a few thousand rows at most, fetched in one query, so the rows live in
memory and a refresh swaps the whole list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from ..core.errors import TriageError
from ..store.paths import data_dir

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row object itself


class RowsModel(QAbstractTableModel):
    """``rows`` are any objects; ``cells(row)`` gives the text of each column."""

    def __init__(
        self,
        headers: Sequence[str],
        cells: Callable[[Any], Sequence[object]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self._cells = cells
        self.rows: list[Any] = []
        self._text: list[list[str]] = []
        self.tooltips: Callable[[Any], str | None] | None = None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._text = [["" if c is None else str(c) for c in self._cells(r)] for r in self.rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            if self.tooltips is not None:
                return self.tooltips(self.rows[index.row()])
            return self._text[index.row()][index.column()]
        if role == ROW_ROLE:
            return self.rows[index.row()]
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None


def report_problem(parent: QWidget, exc: BaseException, title: str = "Problem") -> None:
    """A TriageError as a plain dialog; anything else through the crash log (ui.errors)."""
    from . import errors

    if isinstance(exc, TriageError):
        from .wording import window_wording

        errors.show_problem(parent, title, window_wording(str(exc)))
        return
    errors.report(parent, exc, data_dir(), title)
