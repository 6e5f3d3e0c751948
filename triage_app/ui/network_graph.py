"""The network's picture as a keyboard-driven view: Tab and Shift+Tab step through the accounts
in the list's order, the arrow keys go to the nearest account in that direction, Enter opens the
selected account's posts, + and - (or Ctrl+wheel) zoom, 0 fits the whole network, Esc closes.

The view takes these keys before the window's shortcuts (Esc is also "back to the queue" in the
window; here it closes the network, which returns to the queue all the same)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from .network_scene import NetworkDrawing, NodeItem, SelectedName, draw_network, relabel

ZOOM_STEP = 1.25
MIN_SCALE, MAX_SCALE = 0.02, 6.0
OWN_KEYS = {
    Qt.Key.Key_Tab,
    Qt.Key.Key_Backtab,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_Return,
    Qt.Key.Key_Enter,
    Qt.Key.Key_Escape,
    Qt.Key.Key_Plus,
    Qt.Key.Key_Equal,
    Qt.Key.Key_Minus,
    Qt.Key.Key_0,
}
DIRECTIONS = {
    Qt.Key.Key_Left: (-1.0, 0.0),
    Qt.Key.Key_Right: (1.0, 0.0),
    Qt.Key.Key_Up: (0.0, -1.0),
    Qt.Key.Key_Down: (0.0, 1.0),
}


class NetworkGraphView(QGraphicsView):
    """Shows a :class:`NetworkDrawing`; ``current`` is the selected account (or None)."""

    currentChanged = Signal(object)  # account id or None
    openRequested = Signal(int)
    closeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkGraph")
        self.setAccessibleName(
            "Network picture: Tab or arrows move between accounts, Enter opens its posts, "
            "+ and - zoom, 0 fits, Esc closes"
        )
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.drawing = NetworkDrawing({}, [])
        self.order: list[int] = []  # Tab order: the accounts list's order
        self.name = SelectedName()
        self.scene().selectionChanged.connect(self._selection_changed)
        self._current: int | None = None
        self._auto_fit = True
        self._relabel_timer = QTimer(self)
        self._relabel_timer.setSingleShot(True)
        self._relabel_timer.setInterval(0)
        self._relabel_timer.timeout.connect(self.relabel)

    # -- content ----------------------------------------------------------------------------
    def show_network(
        self,
        accounts: Sequence[Mapping[str, Any]],
        links: Sequence[Mapping[str, Any]],
        positions: Mapping[int, tuple[float, float]],
    ) -> NetworkDrawing:
        """Draw a new network in place of the one shown (nothing selected, all in view)."""
        scene = self.scene()
        scene.blockSignals(True)  # the old items go: no selection signal for them
        try:
            self.drawing = draw_network(scene, accounts, links, positions)
        finally:
            scene.blockSignals(False)
        self._current = None
        self.name = SelectedName()  # the old one went with the scene's items
        self.name.hide()
        self.scene().addItem(self.name)
        self.resetTransform()
        self._auto_fit = True  # fitted again when the view is resized, until zoomed by hand
        self.fit()
        return self.drawing

    @property
    def current(self) -> int | None:
        return self._current

    def visible_nodes(self) -> list[NodeItem]:
        return [n for n in self.drawing.nodes.values() if n.isVisible()]

    def select_account(self, account_id: int | None, *, centre: bool = True) -> None:
        """Make ``account_id`` the one selected account (None: nothing selected)."""
        node = self.drawing.nodes.get(account_id) if account_id is not None else None
        if node is not None and not node.isVisible():
            node = None
        scene = self.scene()
        scene.blockSignals(True)
        scene.clearSelection()
        if node is not None:
            node.setSelected(True)
        scene.blockSignals(False)
        self._selection_changed()
        if node is not None and centre:
            self.ensureVisible(node.sceneBoundingRect(), 60, 60)

    def _selection_changed(self) -> None:
        chosen = [i for i in self.scene().selectedItems() if isinstance(i, NodeItem)]
        node = chosen[0] if chosen else None
        self.name.follow(node)
        self.relabel_soon()  # the selected account's links are labelled first
        current = node.account_id if node is not None else None
        if current != self._current:
            self._current = current
            self.currentChanged.emit(current)

    # -- zoom -------------------------------------------------------------------------------
    def zoom(self, factor: float) -> None:
        self._auto_fit = False
        scale = self.transform().m11()
        factor = min(max(factor, MIN_SCALE / scale), MAX_SCALE / scale)
        self.scale(factor, factor)
        self.relabel()

    def relabel(self) -> None:
        """Choose again which labels fit at the current zoom (after a zoom or a filter)."""
        self._relabel_timer.stop()
        relabel(self.drawing, self.transform().m11())

    def relabel_soon(self) -> None:
        """Relabel once the event loop turns: a resize, a fit and a selection in a row (as
        when a network opens) cost one pass, not three."""
        self._relabel_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()

    def fit(self) -> None:
        """The whole (visible) network in view, never magnified beyond 1.5x."""
        self._auto_fit = True
        nodes = self.visible_nodes()
        if not nodes:
            return
        box = QRectF()
        for node in nodes:
            box = box.united(node.sceneBoundingRect())
        box = box.adjusted(-30, -30, 30, 30)
        self.setSceneRect(self.scene().itemsBoundingRect().adjusted(-400, -400, 400, 400))
        self.fitInView(box, Qt.AspectRatioMode.KeepAspectRatio)
        # Room for the labels, which keep their size on screen: about 70 by 24 pixels.
        scale = max(self.transform().m11(), 1e-6)
        self.fitInView(
            box.adjusted(-70 / scale, -10 / scale, 70 / scale, 24 / scale),
            Qt.AspectRatioMode.KeepAspectRatio,
        )
        if self.transform().m11() > 1.5:
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.centerOn(box.center())
        self.relabel_soon()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt name)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom(ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    # -- keys -------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Take our keys before the window's shortcuts see them (Esc is one of the window's).
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if event.key() in OWN_KEYS and mods in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.ShiftModifier,
            ):
                event.accept()
                return True
        return super().event(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 (Qt names)
        self.step(1 if next else -1)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        key = event.key()
        if key == Qt.Key.Key_Tab:
            self.step(1)
        elif key == Qt.Key.Key_Backtab:
            self.step(-1)
        elif key in DIRECTIONS:
            self.move_towards(*DIRECTIONS[Qt.Key(key)])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._current is not None:
                self.openRequested.emit(self._current)
        elif key == Qt.Key.Key_Escape:
            self.closeRequested.emit()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def step(self, by: int) -> None:
        """The next (or previous) visible account in the list's order."""
        shown = {n.account_id for n in self.visible_nodes()}
        order = [a for a in self.order if a in shown] or sorted(shown)
        if not order:
            return
        if self._current in order:
            index = (order.index(self._current) + by) % len(order)
        else:
            index = 0 if by > 0 else len(order) - 1
        self.select_account(order[index])

    def move_towards(self, dx: float, dy: float) -> None:
        """The nearest visible account in direction (dx, dy), within 60° of it."""
        here = self.drawing.nodes.get(self._current) if self._current is not None else None
        if here is None:
            self.step(1)
            return
        origin = here.pos()
        best: tuple[float, int] | None = None
        for node in self.visible_nodes():
            if node is here:
                continue
            v = node.pos() - origin
            dist = math.hypot(v.x(), v.y())
            along = (v.x() * dx + v.y() * dy) / dist if dist else 0.0
            if along < 0.5:  # outside the 60° cone
                continue
            score = dist * (2.0 - along)  # nearer, and straighter ahead, first
            if best is None or score < best[0]:
                best = (score, node.account_id)
        if best is not None:
            self.select_account(best[1])

    def centre_of(self, account_id: int) -> QPointF:
        return self.drawing.nodes[account_id].pos()
