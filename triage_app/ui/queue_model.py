"""The review queue's table model: post ids in memory, rows loaded a page at a time.

Anki's browser model: a filter or sort is a new SQL query (store/queue.py), the model keeps the
resulting ids in a compact int64 array and fetches display rows for the pages the view paints,
keeping a small LRU of pages. There is no proxy model; row height is fixed by the view."""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from ..core.timeutil import to_local_text, to_utc_iso
from ..store.connection import Store
from ..store.queue import QueueQuery, QueueRow, queue_ids, queue_rows

PAGE_SIZE = 200
MAX_PAGES = 24
POST_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RTL_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS: tuple[tuple[str, str], ...] = (
    ("priority", "Priority"),
    ("platform", "Platform"),
    ("author", "Author"),
    ("posted", "Posted"),
    ("text", "Text"),
    ("tags", "Tags"),
    ("status", "Status"),
)
TEXT_COLUMN = 4

_Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractTableModel):
    """The review queue: post ids in memory, rows loaded a page at a time."""

    queryChanged = Signal(object)  # the QueueQuery now shown

    def __init__(self, store: Store | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._ids = array("q")
        self._pages: OrderedDict[int, list[QueueRow | None]] = OrderedDict()
        self._query = QueueQuery()
        self._labels: dict[str, str] = {}
        self._colours: dict[str, str] = {}
        self._total = 0
        if store is not None:
            self._load_taxonomy(store)

    # -- queries --------------------------------------------------------------------------------
    @property
    def query(self) -> QueueQuery:
        return self._query

    @property
    def store(self) -> Store | None:
        return self._store

    def set_store(self, store: Store | None) -> None:
        """Point the model at another store (or none, when the window locks)."""
        self.beginResetModel()
        self._store = store
        self._ids = array("q")
        self._pages.clear()
        self._total = 0
        if store is not None:
            self._load_taxonomy(store)
        self.endResetModel()

    def _load_taxonomy(self, store: Store) -> None:
        self._labels = {k: t.label for k, t in store.taxonomy.items()}
        self._colours = {k: t.colour for k, t in store.taxonomy.items()}

    def set_query(self, query: QueueQuery) -> None:
        """Run ``query`` and show its ids; raises TriageError (e.g. a bad search) unchanged."""
        if self._store is None:
            return
        ids = queue_ids(self._store, query)  # may raise: the model stays as it was
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self._query = query
        self.endResetModel()
        self.queryChanged.emit(query)

    def refresh(self) -> None:
        """Run the current query again (after an import, or new posts from elsewhere)."""
        self.set_query(self._query)

    def total_posts(self) -> int:
        if self._store is None:
            return 0
        # max(id) is instant where count(*) reads the whole table; posts are never deleted,
        # so the largest rowid is the count.
        return int(self._store.scalar("SELECT coalesce(max(id), 0) FROM posts"))

    # -- ids ------------------------------------------------------------------------------------
    def post_id(self, row: int) -> int | None:
        if 0 <= row < len(self._ids):
            return int(self._ids[row])
        return None

    def ids(self) -> array:
        return self._ids

    def row_of(self, post_id: int, hint: int | None = None) -> int:
        """The row of ``post_id`` (looking near ``hint`` first), or -1."""
        if hint is not None and 0 <= hint < len(self._ids) and self._ids[hint] == post_id:
            return hint
        try:
            return self._ids.index(post_id)
        except ValueError:
            return -1

    def row_data(self, row: int) -> QueueRow | None:
        """The display row for ``row``, loading its page when needed."""
        if not 0 <= row < len(self._ids) or self._store is None:
            return None
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            page = self._load_page(page_no)
        else:
            self._pages.move_to_end(page_no)
        return page[row - page_no * PAGE_SIZE]

    def _load_page(self, page_no: int) -> list[QueueRow | None]:
        assert self._store is not None
        start = page_no * PAGE_SIZE
        ids = self._ids[start : start + PAGE_SIZE]
        found = {r.id: r for r in queue_rows(self._store, ids)}
        page: list[QueueRow | None] = [found.get(i) for i in ids]
        self._pages[page_no] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def refresh_posts(self, post_ids: Iterable[int]) -> None:
        """Reload cached rows of these posts (after a tag or note) and repaint them."""
        wanted = set(post_ids)
        for page_no, page in list(self._pages.items()):
            hits = [i for i, r in enumerate(page) if r is not None and r.id in wanted]
            if not hits:
                continue
            self._load_page(page_no)
            first = page_no * PAGE_SIZE + min(hits)
            last = page_no * PAGE_SIZE + max(hits)
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    # -- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort the queue by {COLUMNS[section][1].lower()}"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == POST_ID_ROLE:
            return row.id
        if role == RTL_ROLE:
            return row.rtl
        if role == Qt.ItemDataRole.ForegroundRole and col == 5 and row.tags:
            return QColor(self._colours.get(row.tags[0], "#444444"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: QueueRow, col: int) -> str:
        if col == 0:
            return f"{row.priority:.2f}"
        if col == 1:
            return row.platform
        if col == 2:
            return row.author
        if col == 3:
            return to_local_text(row.posted_at)
        if col == 4:
            return row.snippet
        if col == 5:
            return ", ".join(self._labels.get(t, t) for t in row.tags)
        if col == 6:
            if row.cluster_size > 1:
                return f"{row.status} · ×{row.cluster_size}"
            return row.status
        return ""

    def _tooltip(self, row: QueueRow, col: int) -> str | None:
        if col == 3:
            return f"{to_utc_iso(row.posted_at)} (UTC)" if row.posted_at is not None else None
        if col == 4:
            return row.snippet
        if col == 6 and row.cluster_size > 1:
            return f"{row.status}; one of {row.cluster_size} similar posts"
        if col == 5 and row.tags:
            return "\n".join(self._labels.get(t, t) for t in row.tags)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or self._store is None:
            return
        key = COLUMNS[column][0]
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._query.sort and descending == self._query.descending:
            return
        from dataclasses import replace

        self.set_query(replace(self._query, sort=key, descending=descending))
