"""A holder that keeps one widget's layout changes inside it.

Qt passes every layout change up to the window: a label that wraps onto one more line, a list
that grows, a button whose text changes length all post a layout request to the parent, whose
layout re-runs and asks its own parent, up to the main window, which then repaints whole. The
preview and compare panes change like that on every post, so each tag key cost a full-window
relayout and repaint (~10 ms at 1920×1080).

A LayoutFence has no layout of its own: it sizes its one child to fill it, and a layout request
from the child stops here (a widget without a layout ignores it). The fence's size hints are
fixed (fences side by side in a splitter share it equally until the analyst drags it), so the
splitter around it never measures the pane again."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

HINT = QSize(480, 400)
MINIMUM = QSize(200, 150)


class LayoutFence(QWidget):
    """Holds one widget, filling itself with it, and keeps its layout changes inside."""

    def __init__(self, child: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._child: QWidget | None = None
        if child is not None:
            self.set_widget(child)

    def widget(self) -> QWidget | None:
        return self._child

    def set_widget(self, child: QWidget) -> QWidget | None:
        """Show ``child`` in the fence; returns the widget it replaces (not deleted)."""
        old = self._child
        if old is not None:
            old.hide()
            old.setParent(None)
        self._child = child
        child.setParent(self)
        child.setGeometry(self.rect())
        child.show()
        return old

    def take_widget(self, child: QWidget) -> None:
        """Make ``child``, already in the fence (a pane prepared hidden, preview_ahead.py), the
        one it sizes; the caller shows it and hides the one it replaces, which stays here."""
        if child.parentWidget() is not self:
            child.setParent(self)
        self._child = child
        if child.geometry() != self.rect():
            child.setGeometry(self.rect())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return HINT

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return MINIMUM

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        if self._child is not None:
            self._child.setGeometry(self.rect())
        super().resizeEvent(event)


def settle_layouts(passes: int = 4) -> None:
    """Run the layout requests that new contents posted, now rather than on later turns of the
    event loop. Each nested layout (a splitter inside a pane) otherwise settles one turn after
    the one around it, and every turn repaints what moved: three paints of a pane for one post.
    A pass with nothing pending costs next to nothing."""
    for _ in range(passes):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
