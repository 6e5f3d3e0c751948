"""A window closed with work still scheduled must not touch its store afterwards: the store is
closed right after the window, and a late timer would raise on the closed database (seen as a
failure inside whichever test happened to run the event loop next)."""

from triage_app.ui.filter_bar import SEARCH_DELAY_MS


def test_search_typed_just_before_closing_never_runs(demo_store, make_window, qtbot, problems):
    window = make_window(demo_store)
    window.filter_bar.search.setFocus()
    qtbot.keyClicks(window.filter_bar.search, "boat")  # starts the search delay
    assert window.filter_bar._search_timer.isActive()
    shown = window.model.query
    window.close()
    demo_store.close()
    qtbot.wait(SEARCH_DELAY_MS + 200)  # the delay passes with the store closed: nothing runs
    assert window.model.query == shown
    assert not problems
