"""Scroll bars that repaint only when what they draw has changed.

Qt repaints a whole scroll bar on every change of its value or range, even when the handle does
not move by a pixel. The queue moves by one row on every tag key once the current row has
reached the bottom of the view, so a list of 100,000 posts repainted its 964-pixel scroll bar
(about 1.2 ms in the Fusion style, as long as three rows of the queue) for a handle that moves
one pixel every hundred rows; the preview's lists did the same for every new post. A
``QuietScrollBar`` compares what it would draw (the handle's rectangle, whether the arrows at
either end are live, enabled) with what it drew last, and asks for a paint only when they
differ. Everything else (hover, pressing, the style, the size) repaints as before."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QScrollBar,
    QStyle,
    QStyleOptionSlider,
)

# The changes after which a scroll bar may look the same: the others repaint as Qt does.
_MAYBE_UNCHANGED = (
    QAbstractSlider.SliderChange.SliderValueChange,
    QAbstractSlider.SliderChange.SliderRangeChange,
    QAbstractSlider.SliderChange.SliderStepsChange,
)

_Look = tuple[int, int, int, int, bool, bool, bool, bool]


class QuietScrollBar(QScrollBar):
    """A QScrollBar that skips the repaint of a value, range or step change it cannot show."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[call-overload]
        self._drawn: _Look | None = None  # what the last paint showed; None: paint again

    def look(self) -> _Look:
        """What a paint would draw that a value or range can change."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        handle = self.style().subControlRect(
            QStyle.ComplexControl.CC_ScrollBar,
            option,
            QStyle.SubControl.SC_ScrollBarSlider,
            self,
        )
        return (
            handle.x(),
            handle.y(),
            handle.width(),
            handle.height(),
            self.isEnabled(),
            self.value() <= self.minimum(),  # styles draw a dead arrow at either end
            self.value() >= self.maximum(),
            self.isSliderDown(),
        )

    def sliderChange(self, change: QAbstractSlider.SliderChange) -> None:  # noqa: N802 (Qt)
        if change in _MAYBE_UNCHANGED and self._drawn is not None and self._drawn == self.look():
            return  # QAbstractSlider::sliderChange would only call update()
        super().sliderChange(change)

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt name)
        self._drawn = self.look()
        super().paintEvent(event)  # type: ignore[arg-type]


def quiet_scrollbars(*areas: QAbstractScrollArea) -> None:
    """Give each scroll area (a list, a table, a text view) quiet scroll bars in place of its
    own; the area keeps their range, value and signals (QAbstractScrollArea moves them over)."""
    for area in areas:
        area.setVerticalScrollBar(QuietScrollBar(area.verticalScrollBar().orientation()))
        area.setHorizontalScrollBar(QuietScrollBar(area.horizontalScrollBar().orientation()))
