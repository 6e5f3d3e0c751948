"""How the preview shares its height: the post text first, then a bounded strip for the media
thumbnails and the indicators.

At 1280x720 (or 1920x1080 at 150 %) the preview has about 300 logical pixels below its header
lines. The text gets what the strip leaves, and the strip gets a share of the height, between
``STRIP_MIN`` and ``STRIP_MAX`` pixels (less when the post has no media), so at least eight
lines of the post are in view. Dragging the line between them keeps the person's share."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget

STRIP_SHARE = 0.3  # of the height, with media
STRIP_SHARE_TEXT_ONLY = 0.28
STRIP_MIN = 90
STRIP_MAX = 220  # a full-size thumbnail (160) with its frame and scroll bar
TEXT_MIN = 72


class PreviewBody(QSplitter):
    """The text over the media/indicator strip, sized with the text first."""

    def __init__(
        self, text: QWidget, strip: QWidget, media: QWidget, parent: QWidget | None = None
    ) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("previewBody")
        self.setChildrenCollapsible(False)
        self.setHandleWidth(6)
        self.addWidget(text)
        self.addWidget(strip)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)
        text.setMinimumHeight(TEXT_MIN)
        strip.setMinimumHeight(STRIP_MIN - 24)
        self._media = media
        self._share: float | None = None  # the person's own share, once they drag the line
        self._applied: tuple[int, bool] | None = None
        self.splitterMoved.connect(self._moved)

    def strip_height(self, height: int, with_media: bool) -> int:
        """The strip's height in a body ``height`` pixels high."""
        if self._share is not None:
            return max(STRIP_MIN - 24, min(height - TEXT_MIN, int(height * self._share)))
        share = STRIP_SHARE if with_media else STRIP_SHARE_TEXT_ONLY
        strip = max(STRIP_MIN, min(STRIP_MAX, int(height * share)))
        return max(0, min(strip, height - TEXT_MIN))

    def arrange(self) -> None:
        """Share the height out again (after a resize, or a post with or without media)."""
        height = self.height() - self.handleWidth()
        with_media = not self._media.isHidden()
        if height <= 0 or self._applied == (height, with_media):
            return
        self._applied = (height, with_media)
        strip = self.strip_height(height, with_media)
        self.setSizes([height - strip, strip])

    @property
    def share(self) -> float | None:
        """The strip's share of the height the person chose by dragging (None: the default)."""
        return self._share

    def copy_share_from(self, other: PreviewBody) -> None:
        """Take the person's share of the height from another body (the pane prepared for the
        next post keeps the line where they dragged it)."""
        if other._share != self._share:
            self._share = other._share
            self._applied = None

    def _moved(self, _pos: int, _index: int) -> None:
        height = self.height() - self.handleWidth()
        if height > 0:
            self._share = self.sizes()[1] / height

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.arrange()
