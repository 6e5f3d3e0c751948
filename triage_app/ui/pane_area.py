"""Where the preview and compare panes sit: side by side when there is room, as two tabs when
there is not.

On a wide window the post and its nearest duplicate are read side by side. Below
``SIDE_BY_SIDE_MIN`` logical pixels (a 1280x720 screen, or 1920x1080 at 150 %) each pane would get
a column too narrow to read, and the post text would wrap every few words; the panes then
become the tabs "Post" and "Similar posts" (a click, or Ctrl+PgDown inside them, switches),
each with the whole width. The panes themselves (in their LayoutFences) move between
the two holders; they are never rebuilt, so nothing is read again from the store."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QStackedWidget, QTabWidget, QWidget

# Below this width (logical pixels) the two panes are shown as tabs.
SIDE_BY_SIDE_MIN = 760
TAB_TITLES = ("Post", "Similar posts")


class PaneArea(QStackedWidget):
    """Holds the two pane fences, side by side in a splitter or as tabs."""

    def __init__(self, first: QWidget, second: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paneArea")
        self._fences = (first, second)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("paneSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("paneTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Post and similar posts")
        self.addWidget(self.splitter)
        self.addWidget(self.tabs)
        self._tabbed: bool | None = None
        self._place(tabbed=False)

    @property
    def tabbed(self) -> bool:
        return bool(self._tabbed)

    def _place(self, tabbed: bool) -> None:
        if tabbed == self._tabbed:
            return
        current = self.tabs.currentIndex() if self._tabbed else 0
        self._tabbed = tabbed
        if tabbed:
            for fence, title in zip(self._fences, TAB_TITLES, strict=True):
                self.tabs.addTab(fence, title)
            self.tabs.setCurrentIndex(max(0, current))
            self.setCurrentWidget(self.tabs)
        else:
            while self.tabs.count():
                self.tabs.removeTab(0)
            for fence in self._fences:
                self.splitter.addWidget(fence)
                fence.show()
            self.setCurrentWidget(self.splitter)

    def show_pane(self, index: int) -> None:
        """Bring pane ``index`` (0 the post, 1 similar posts) into view."""
        if self._tabbed:
            self.tabs.setCurrentIndex(index)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        # The tabs' minimum, not the splitter's: the area switches to tabs before it is narrower.
        return self.tabs.minimumSizeHint().expandedTo(self._fences[0].minimumSizeHint())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        self._place(event.size().width() < SIDE_BY_SIDE_MIN)
        super().resizeEvent(event)
