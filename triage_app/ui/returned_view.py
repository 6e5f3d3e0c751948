"""Returned to me: the posts the person tagged that a supervisor rejected, each with the
supervisor's reason beside it, and the post itself in the preview (which says the reason too).
"Open in queue" shows the post in the queue, where it can be re-tagged or dismissed."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..store.connection import Store
from ..store.review_queue import ReturnedItem, returned_items
from .preview_pane import PreviewPane
from .rows_model import RowsModel

HEADERS = ("Post", "Platform", "Account", "Returned by", "When (UTC)", "Reason", "Text")


def _when(at: str) -> str:
    return at[:16].replace("T", " ")


class ReturnedView(QWidget):
    """The person's rejected posts with the reasons; ``openInQueue(post_ids)`` asks the window
    to show them in the queue."""

    openInQueue = Signal(list)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("returnedView")
        self.setAccessibleName("Returned to me: your tagged posts a supervisor rejected")
        self.store = store
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.count_label = QLabel(self)
        self.count_label.setObjectName("returnedCount")
        self.count_label.setWordWrap(True)
        top.addWidget(self.count_label, 1)
        self.open_button = QPushButton("Open in queue  (Enter)", self)
        self.open_button.setObjectName("returnedOpen")
        self.open_button.setToolTip("Show the selected posts in the queue to re-tag them")
        self.open_button.clicked.connect(self.open_selected)
        top.addWidget(self.open_button)
        refresh = QPushButton("Refresh  (F5)", self)
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.model = RowsModel(HEADERS, self._cells, self)
        self.model.tooltips = lambda item: f"Returned by {item.rejected_by}: {item.reason}"
        self.table = QTableView(splitter)
        self.table.setObjectName("returnedTable")
        self.table.setAccessibleName("Posts returned to you, with the supervisor's reason")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((60, 80, 140, 100, 120, 320)):
            header.resizeSection(col, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_current())
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.preview = PreviewPane(store, splitter)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        for keys, handler in ((("Return", "Enter"), self.open_selected), (("F5",), self.refresh)):
            action = QAction(self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(handler)
            self.addAction(action)
        self.refresh()

    def _cells(self, item: ReturnedItem) -> tuple[object, ...]:
        return (
            item.post_id,
            item.platform,
            f"@{item.handle}" if item.handle else "",
            item.rejected_by,
            _when(item.rejected_at),
            item.reason,
            " ".join(item.text.split())[:160],
        )

    def set_store(self, store: Store) -> None:
        self.store = store
        self.preview.store = store
        self.refresh()

    def refresh(self) -> None:
        selected = set(self.selected_ids())
        items = returned_items(self.store)
        self.model.set_rows(items)
        if items:
            self.count_label.setText(
                f"{len(items):,} of your tagged posts {'was' if len(items) == 1 else 'were'} "
                "returned by a supervisor. Read the reason, then open the post in the queue to "
                "re-tag it (or leave it)."
            )
        else:
            self.count_label.setText("Nothing returned to you: no supervisor rejected your tags.")
        rows = [i for i, item in enumerate(items) if item.post_id in selected] or [0]
        sel = self.table.selectionModel()
        sel.clearSelection()
        for row in rows:
            if 0 <= row < len(items):
                sel.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        self.open_button.setEnabled(bool(items))
        self._show_current()

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].post_id for r in rows if r < len(self.model.rows)]

    def _show_current(self) -> None:
        ids = self.selected_ids()
        self.preview.show_post(ids[0] if ids else None)

    def open_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.openInQueue.emit(ids)
