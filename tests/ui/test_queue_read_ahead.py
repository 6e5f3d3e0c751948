"""The queue's rows just past the screen are read while the analyst reads (MainWindow.
_read_queue_ahead): a tag key that scrolls the queue one row then only paints, instead of
reading a page of rows on the key's path."""

from __future__ import annotations

import pytest

from triage_app.ui.queue_model import PAGE_SIZE

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _pages_read_during(w, qtbot, press) -> list[int]:
    """The pages the queue read while ``press`` ran and the panes settled after it."""
    read: list[int] = []
    load = w.model._load_page

    def counted(page_no):
        read.append(page_no)
        return load(page_no)

    w.model._load_page = counted
    try:
        press()
        qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    finally:
        w.model._load_page = load
    return read


def _at_the_bottom_of_the_screen(w, qtbot, row: int) -> int:
    """The queue scrolled so that ``row`` is the lowest row on the screen (whole or in
    part), the row above it current when it shows only in part; the window idle after it.
    Returns the current row."""
    view, bar = w.view, w.view.verticalScrollBar()
    height = view.viewport().height()
    whole = next(top for top in range(row, -1, -1) if _bottom_row(w, bar, top) == row)
    current = row if view.visualRect(w.model.index(row, 0)).bottom() < height else row - 1
    w.select_row(current)
    bar.setValue(whole)
    assert view.rowAt(height - 1) == row and view.rowAt(0) == whole
    # idle: both panes painted and the turn after them (the reading ahead) run
    qtbot.waitUntil(lambda: not w.pane_schedule.pending and not w._prepare_timer.isActive())
    return current


def _bottom_row(w, bar, top: int) -> int:
    bar.setValue(top)
    return w.view.rowAt(w.view.viewport().height() - 1)


def test_the_page_below_the_screen_is_read_before_the_key_that_scrolls_to_it(
    demo_store, make_window, qtbot
):
    w = make_window(demo_store)
    current = _at_the_bottom_of_the_screen(w, qtbot, 2 * PAGE_SIZE - 1)
    assert 2 in w.model._pages, "the page below the screen was not read ahead"
    assert w._prepare_timer.interval() == 0  # scrolling did not make it wait

    w.view.setFocus()
    read = _pages_read_during(w, qtbot, w.tag_actions["boat_crossing"].trigger)
    assert w.current_row() == current + 1
    assert w.view.rowAt(w.view.viewport().height() - 1) >= 2 * PAGE_SIZE  # it scrolled onto it
    assert 2 not in read, "the key read the page it scrolled onto"


def test_without_reading_ahead_the_key_reads_that_page(demo_store, make_window, qtbot):
    """What the reading ahead saves: the same key when the page was not read reads it."""
    w = make_window(demo_store)
    _at_the_bottom_of_the_screen(w, qtbot, 2 * PAGE_SIZE - 1)
    w.model._pages.pop(2, None)
    w.view.setFocus()
    read = _pages_read_during(w, qtbot, w.tag_actions["boat_crossing"].trigger)
    assert 2 in read


def test_reading_ahead_past_the_ends_of_the_list_reads_nothing(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    last = w.model.rowCount() - 1
    w.select_row(0)
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    before = dict(w.model._pages)
    w.model.read_ahead(-1)
    w.model.read_ahead(last + 1)
    assert w.model._pages == before
    w.model.read_ahead(last)  # the last row: its page, once
    w.model.read_ahead(last)
    assert last // PAGE_SIZE in w.model._pages
