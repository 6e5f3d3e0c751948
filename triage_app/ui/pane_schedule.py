"""When the preview and compare panes show the post the analyst moved to.

A tag key commits, moves the queue on and returns at once; the panes follow on the next turns
of the event loop, in the order a person reads them:

1. the queue row, the tag bar and the status bar are painted (a few milliseconds);
2. the preview renders the post and is painted;
3. the compare pane (pivots, the nearest duplicate, the word diff) renders and is painted.

Each stage is painted before the next one starts, so the slower compare pane never holds back
the post itself, and a key held down (J) renders only the post the person stops on."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

ShowPost = Callable[[int | None], None]


def paint_now(window: QWidget) -> None:
    """Paint what is waiting to be painted in ``window`` now, not after the next timer."""
    QCoreApplication.sendPostedEvents(window, QEvent.Type.UpdateRequest)


class PaneSchedule(QObject):
    """Shows one post in the preview, then in the compare pane, each on its own turn."""

    previewShown = Signal()  # the preview of the current post has been painted
    compareShown = Signal()  # ...and the compare pane too

    def __init__(self, window: QWidget, preview: ShowPost, compare: ShowPost) -> None:
        super().__init__(window)
        self._window = window
        self._preview = preview
        self._compare = compare
        self.post_id: int | None = None
        self._preview_timer = self._timer(self._show_preview)
        self._compare_timer = self._timer(self._show_compare)

    def _timer(self, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(0)
        timer.timeout.connect(slot)
        return timer

    @property
    def pending(self) -> bool:
        return self._preview_timer.isActive() or self._compare_timer.isActive()

    def show(self, post_id: int | None) -> None:
        """Show ``post_id`` (None: nothing) in both panes, starting on the next turn."""
        self.post_id = post_id
        self._compare_timer.stop()
        self._preview_timer.start()

    def stop(self) -> None:
        self._preview_timer.stop()
        self._compare_timer.stop()

    def finish(self) -> None:
        """Show the post in both panes now (a key that acts on what the panes show)."""
        if self._preview_timer.isActive():
            self._preview_timer.stop()
            self._preview(self.post_id)
            self._compare_timer.stop()
            self._compare(self.post_id)
        elif self._compare_timer.isActive():
            self._compare_timer.stop()
            self._compare(self.post_id)

    def _show_preview(self) -> None:
        paint_now(self._window)  # the queue and the tag bar show the move first
        self._preview(self.post_id)
        paint_now(self._window)
        self._compare_timer.start()
        self.previewShown.emit()

    def _show_compare(self) -> None:
        self._compare(self.post_id)
        paint_now(self._window)
        self.compareShown.emit()
