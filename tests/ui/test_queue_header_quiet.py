"""The queue's header repaints only when it shows something new (a sort), not on every move of
the current row: it shared the view's selection model and repainted itself on each tag key,
though it highlights no section (ui/main_window.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.ui.paint_counter import Paints

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _settled(w, qtbot) -> None:
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    qtbot.wait(30)


def test_moving_the_current_row_leaves_the_header_unpainted(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(2)
    _settled(w, qtbot)
    header = w.view.horizontalHeader()
    paints = Paints()
    header.viewport().installEventFilter(paints)

    w.select_row(3)
    _settled(w, qtbot)
    w.view.setFocus()
    w.tag_actions["boat_crossing"].trigger()  # a tag key moves on too
    _settled(w, qtbot)

    assert w.current_row() == 4
    assert paints.count == 0


def test_the_header_still_sorts_on_a_click_and_shows_it(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    _settled(w, qtbot)
    header = w.view.horizontalHeader()
    paints = Paints()
    header.viewport().installEventFilter(paints)
    platform = 1  # COLUMNS: priority, platform, ...
    where = QPoint(header.sectionViewportPosition(platform) + 10, header.height() // 2)

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    _settled(w, qtbot)

    assert w.model.query.sort == "platform"
    assert header.sortIndicatorSection() == platform
    assert paints.count > 0
    assert not w.view.selectionModel().selectedColumns()  # a click sorts, selects nothing
