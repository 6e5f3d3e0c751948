"""Windows and dialogs that fit the screen they open on.

A window asks for the size it would like (``preferred``); it gets that size or the screen's
available area (without task bars and docks), whichever is smaller, and it is moved so that it
lies wholly on that screen. Its minimum size is lowered when it would not fit either, so that a
dialog is always resizable down to the screen and its buttons stay on screen, at 1280x720 and at
150 % scale (QT_SCALE_FACTOR=1.5 on 1920x1080 is 1280x720 logical pixels)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

# Room kept for the window manager's frame and title bar when the frame is not known yet
# (a window that has never been shown has no frame).
FRAME_ALLOWANCE = QSize(16, 40)


def screen_of(widget: QWidget) -> QScreen | None:
    """The screen the widget is on, else its parent's, else the primary screen."""
    for candidate in (widget, widget.parentWidget()):
        if candidate is None:
            continue
        screen = candidate.screen()
        if screen is not None:
            return screen
    return QGuiApplication.primaryScreen()


def available_geometry(widget: QWidget) -> QRect:
    """The part of the widget's screen a window may use (logical pixels)."""
    screen = screen_of(widget)
    if screen is None:
        return QRect(0, 0, 1280, 720)
    return screen.availableGeometry()


def frame_allowance(widget: QWidget) -> QSize:
    """What the window manager adds around the client area (known once shown)."""
    frame, inner = widget.frameGeometry(), widget.geometry()
    if widget.isVisible() and frame.isValid() and frame != inner:
        return QSize(frame.width() - inner.width(), frame.height() - inner.height())
    return FRAME_ALLOWANCE


def room_for(widget: QWidget) -> QSize:
    """The largest client size that keeps the whole window (frame included) on its screen."""
    area = available_geometry(widget)
    extra = frame_allowance(widget)
    return QSize(max(200, area.width() - extra.width()), max(150, area.height() - extra.height()))


def fit_size(preferred: QSize, room: QSize) -> QSize:
    """``preferred`` shrunk, each side on its own, to ``room``."""
    return QSize(min(preferred.width(), room.width()), min(preferred.height(), room.height()))


def fit_to_screen(widget: QWidget, preferred: QSize | tuple[int, int] | None = None) -> QSize:
    """Give a top-level ``widget`` its preferred size (default: its size hint) or less, so that
    it fits the available screen; keep it resizable down to that; place it on the screen.
    Returns the size given."""
    if isinstance(preferred, tuple):
        preferred = QSize(*preferred)
    if preferred is None:
        preferred = widget.sizeHint().expandedTo(widget.size())
    room = room_for(widget)
    # A minimum larger than the screen would push the window (and its buttons) off it.
    minimum = widget.minimumSize()
    if minimum.width() > room.width() or minimum.height() > room.height():
        widget.setMinimumSize(minimum.boundedTo(room))
    size = fit_size(preferred, room)
    widget.resize(size)
    keep_on_screen(widget)
    return size


def keep_on_screen(widget: QWidget) -> None:
    """Shrink the widget to its screen's available area if it is larger (a size restored from
    another, larger screen) and move it so that it lies on that area."""
    area = available_geometry(widget)
    room = room_for(widget)
    if widget.width() > room.width() or widget.height() > room.height():
        widget.resize(widget.size().boundedTo(room))
    extra = frame_allowance(widget)
    width, height = widget.width() + extra.width(), widget.height() + extra.height()
    placed = widget.isVisible() or widget.testAttribute(Qt.WidgetAttribute.WA_Moved)
    pos = widget.pos() if placed else None
    if pos is None:
        parent = widget.parentWidget()
        if parent is not None and parent.isVisible():
            centre = parent.mapToGlobal(parent.rect().center())
        else:
            centre = area.center()
        pos = QPoint(centre.x() - width // 2, centre.y() - height // 2)
    x = min(max(pos.x(), area.left()), area.right() + 1 - width)
    y = min(max(pos.y(), area.top()), area.bottom() + 1 - height)
    widget.move(max(x, area.left()), max(y, area.top()))
