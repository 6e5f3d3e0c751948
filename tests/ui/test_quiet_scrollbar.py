"""Scroll bars that repaint only when what they draw changes (ui/quiet_scrollbar.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollBar

from tests.ui.paint_counter import Paints
from triage_app.ui.quiet_scrollbar import QuietScrollBar

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _shown(qtbot, bar: QScrollBar) -> Paints:
    qtbot.addWidget(bar)
    bar.setRange(0, 100_000)
    bar.setPageStep(40)
    bar.setValue(5_000)
    bar.resize(14, 500)
    bar.show()
    qtbot.waitExposed(bar)
    qtbot.wait(20)
    paints = Paints()
    bar.installEventFilter(paints)
    return paints


@pytest.mark.parametrize("quiet", [True, False])
def test_a_step_the_handle_cannot_show_is_not_painted(qtbot, quiet):
    bar = QuietScrollBar(Qt.Orientation.Vertical) if quiet else QScrollBar(Qt.Orientation.Vertical)
    paints = _shown(qtbot, bar)
    bar.setValue(5_001)  # one row of 100,000 on 500 pixels: the handle stays where it is
    bar.setRange(0, 100_001)  # one more post in the queue: nor does this move it
    qtbot.wait(20)
    assert bar.value() == 5_001
    # A plain QScrollBar repaints whole for this (the cost this module removes).
    assert paints.count == (0 if quiet else 1)


def test_every_change_that_shows_is_painted(qtbot):
    bar = QuietScrollBar(Qt.Orientation.Vertical)
    paints = _shown(qtbot, bar)
    bar.setValue(60_000)  # the handle moves
    qtbot.waitUntil(lambda: paints.count == 1)
    bar.setRange(0, 200)  # the handle grows
    qtbot.waitUntil(lambda: paints.count == 2)
    bar.setValue(0)  # at the top: the up arrow is drawn dead
    qtbot.waitUntil(lambda: paints.count == 3)
    bar.setEnabled(False)
    qtbot.waitUntil(lambda: paints.count == 4)
    bar.resize(14, 300)
    qtbot.waitUntil(lambda: paints.count == 5)


def test_a_scroll_area_keeps_its_range_and_scrolls_with_quiet_bars(qtbot):
    from PySide6.QtWidgets import QListWidget

    from triage_app.ui.quiet_scrollbar import quiet_scrollbars

    items = QListWidget()
    qtbot.addWidget(items)
    items.addItems([f"item {i}" for i in range(500)])
    items.resize(200, 150)
    items.show()
    qtbot.waitExposed(items)
    before = items.verticalScrollBar().maximum()
    quiet_scrollbars(items)
    assert isinstance(items.verticalScrollBar(), QuietScrollBar)
    assert items.verticalScrollBar().maximum() == before > 0
    items.scrollToItem(items.item(400))
    qtbot.waitUntil(lambda: items.verticalScrollBar().value() > 0)
    assert items.visualItemRect(items.item(400)).intersects(items.viewport().rect())
