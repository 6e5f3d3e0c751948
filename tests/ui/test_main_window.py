"""The window driven like an analyst on the demo corpus: filter, search, tag with keys, bulk-tag,
undo and redo, notes, claims, the shortcut sheet, remembered settings.

Actions are triggered through their QAction (as the key binding would); one test presses real
keys to show that number keys do not tag while the search box has the focus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from triage_app.store.decisions import claim
from triage_app.store.queue import QueueQuery, queue_ids
from triage_app.ui.actions import ActionId, Scope

# The offscreen platform says this for every top-level window with a layout; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _tags(store, post_id):
    return [
        r[0]
        for r in store.execute(
            "SELECT tag FROM post_tags WHERE post_id = ? ORDER BY tag", (post_id,)
        )
    ]


def test_window_opens_on_the_new_posts(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    new = demo_store.scalar("SELECT count(*) FROM posts WHERE status = 'new'")
    assert w.model.rowCount() == new
    qtbot.waitUntil(lambda: w.count_label.text() == f"{new:,} of 3,000 posts")
    assert w.user_label.text() == "alice (supervisor)"
    if demo_store.backend == "postgresql":  # the server and database, never a password
        from triage_app.store.pg.url import describe

        assert w.path_label.text() == describe(demo_store.url)
    else:
        assert w.path_label.text() == str(demo_store.path)
    assert w.current_row() == 0
    qtbot.waitUntil(lambda: w.preview.post_id == w.current_post_id())
    for name in ("queueView", "previewPane", "comparePane", "tagBar", "searchBox"):
        assert w.findChild(object, name) is not None, name


def test_filters_run_new_queries(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    qtbot.waitUntil(lambda: "of 3,000" in w.count_label.text())
    bar = w.filter_bar
    bar.status.setCurrentIndex(bar.status.findData(""))
    assert w.model.rowCount() == 3000
    bar.platform.ensure_loaded()
    bar.platform.setCurrentIndex(bar.platform.findData("telegram"))
    expected = demo_store.scalar("SELECT count(*) FROM posts WHERE platform = 'telegram'")
    assert 0 < w.model.rowCount() == expected
    assert all(w.model.data(w.model.index(r, 1)) == "telegram" for r in range(w.model.rowCount()))
    bar.only_mine.setChecked(True)
    assert w.model.rowCount() == 0
    assert w.count_label.text() == "0 of 3,000 posts"


def test_search_and_a_malformed_search(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.apply_query(QueueQuery())
    box = w.filter_bar.search
    box.setText("boat")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    hits = set(queue_ids(demo_store, QueueQuery(search="boat")))
    assert 0 < w.model.rowCount() == len(hits) < 3000
    assert not w.filter_bar.search_error.isVisible()
    before = w.model.rowCount()
    box.setText('"smuggling AND')
    qtbot.keyClick(box, Qt.Key.Key_Return)
    error = w.filter_bar.search_error
    assert error.isVisible()
    assert error.text().startswith("Search not understood")
    assert w.model.rowCount() == before  # the last good result stays
    box.setText("boat")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert not error.isVisible()


def test_number_key_action_tags_commits_and_advances(demo_store, make_window):
    w = make_window(demo_store)
    first = w.current_post_id()
    second = w.model.post_id(1)
    w.tag_actions["boat_crossing"].trigger()
    assert _tags(demo_store, first) == ["boat_crossing"]
    assert demo_store.scalar("SELECT status FROM posts WHERE id = ?", (first,)) == "tagged"
    assert w.current_post_id() == second
    assert w.model.data(w.model.index(0, 5)) == "Small-boat crossing"
    assert w.model.data(w.model.index(0, 6)).startswith("tagged")
    # The same key again on the first post takes the tag off (toggle).
    w.select_row(0)
    w.tag_actions["boat_crossing"].trigger()
    assert _tags(demo_store, first) == []
    # With advancing switched off the current post stays.
    w.actions_by_id[ActionId.ADVANCE_AFTER_TAG].trigger()
    assert not w.settings.advance_after_tag
    w.select_row(3)
    w.tag_actions["fake_documents"].trigger()
    assert w.current_row() == 3
    assert w.tag_bar.buttons["fake_documents"].isChecked()


def test_tag_bar_button_is_the_same_action(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    post = w.current_post_id()
    qtbot.mouseClick(w.tag_bar.buttons["escalate"], Qt.MouseButton.LeftButton)
    assert _tags(demo_store, post) == ["escalate"]
    assert demo_store.scalar("SELECT status FROM posts WHERE id = ?", (post,)) == "new"


def test_bulk_tag_undo_and_redo(demo_store, make_window):
    w = make_window(demo_store)
    w.apply_query(QueueQuery())
    sm = w.view.selectionModel()
    w.select_row(10)
    for row in (11, 12, 14):
        sm.select(
            w.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    chosen = [w.model.post_id(r) for r in (10, 11, 12, 14)]
    assert w.selected_post_ids() == chosen
    decisions_before = demo_store.scalar("SELECT count(*) FROM decisions")
    w.tag_actions["transport_offer"].trigger()
    assert all(_tags(demo_store, p) == ["transport_offer"] for p in chosen)
    assert demo_store.scalar("SELECT count(DISTINCT batch) FROM decisions") == 1
    assert w.current_row() == 10  # a bulk action does not move on
    assert all(w.model.data(w.model.index(r, 5)) == "Transport offer" for r in (10, 11, 12, 14))
    assert w.actions_by_id[ActionId.UNDO].isEnabled()
    assert "4 posts" in w.actions_by_id[ActionId.UNDO].text()

    w.actions_by_id[ActionId.UNDO].trigger()
    assert all(_tags(demo_store, p) == [] for p in chosen)
    assert all(w.model.data(w.model.index(r, 5)) == "" for r in (10, 11, 12, 14))
    # Undo added events, it deleted nothing.
    assert demo_store.scalar("SELECT count(*) FROM decisions") == decisions_before + 8
    assert w.actions_by_id[ActionId.REDO].isEnabled()

    w.actions_by_id[ActionId.REDO].trigger()
    assert all(_tags(demo_store, p) == ["transport_offer"] for p in chosen)
    assert not w.actions_by_id[ActionId.REDO].isEnabled()
    w.actions_by_id[ActionId.UNDO].trigger()
    w.actions_by_id[ActionId.UNDO].trigger()  # nothing more to undo: a message, no error
    assert all(_tags(demo_store, p) == [] for p in chosen)


def test_note_with_n_and_enter(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    post = w.current_post_id()
    w.actions_by_id[ActionId.FOCUS_NOTE].trigger()
    assert w.note.hasFocus()
    qtbot.keyClicks(w.note, "same phone as post 12")
    qtbot.keyClick(w.note, Qt.Key.Key_Return)
    assert (
        demo_store.scalar("SELECT note FROM posts WHERE id = ?", (post,)) == "same phone as post 12"
    )
    assert (
        demo_store.scalar(
            "SELECT count(*) FROM decisions WHERE post_id = ? AND kind = 'note'", (post,)
        )
        == 1
    )
    assert w.view.hasFocus()
    w.actions_by_id[ActionId.UNDO].trigger()
    assert demo_store.scalar("SELECT note FROM posts WHERE id = ?", (post,)) is None
    assert w.note.text() == ""


def test_real_keys_do_not_tag_while_typing_a_search(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    post = w.current_post_id()
    w.activateWindow()
    qtbot.mouseClick(w.filter_bar.search, Qt.MouseButton.LeftButton)
    assert w.filter_bar.search.hasFocus()
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_J, Qt.Key.Key_N, Qt.Key.Key_E):
        qtbot.keyClick(w.filter_bar.search, key)
    assert w.filter_bar.search.text() == "12jne"
    assert demo_store.scalar("SELECT count(*) FROM post_tags") == 0
    assert w.current_post_id() == post
    # The same key on the queue does tag (so the test above could have failed).
    qtbot.keyClick(w.filter_bar.search, Qt.Key.Key_Escape)
    assert w.view.hasFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_1)
    assert _tags(demo_store, post) == ["boat_crossing"]
    qtbot.keyClick(w.view, Qt.Key.Key_K)
    assert w.current_post_id() == post


def test_j_and_k_move(demo_store, make_window):
    w = make_window(demo_store)
    w.actions_by_id[ActionId.NEXT_POST].trigger()
    w.actions_by_id[ActionId.NEXT_POST].trigger()
    assert w.current_row() == 2
    w.actions_by_id[ActionId.PREVIOUS_POST].trigger()
    assert w.current_row() == 1
    w.select_row(0)
    w.actions_by_id[ActionId.PREVIOUS_POST].trigger()
    assert w.current_row() == 0


def test_post_held_by_someone_else_asks_before_tagging(demo_store, make_window, qtbot):
    from triage_app.store import open_store
    from triage_app.store.users import add_user

    add_user(demo_store, "bob", "analyst")
    bob = open_store(demo_store.path, user="bob")
    w = make_window(demo_store)
    target = w.model.post_id(5)
    assert claim(bob, target) is None
    asked = []
    w.confirm = lambda title, question: asked.append(question) or False
    w.select_row(5)
    assert w.claim_banner.isVisible()
    assert "bob" in w.claim_banner.text()
    w.tag_actions["boat_crossing"].trigger()
    assert asked and "bob" in asked[0]
    assert _tags(demo_store, target) == []
    w.confirm = lambda title, question: True
    w.tag_actions["boat_crossing"].trigger()
    assert _tags(demo_store, target) == ["boat_crossing"]
    bob.close()


def test_settling_on_a_post_claims_it(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(4)
    post = w.current_post_id()
    qtbot.waitUntil(
        lambda: demo_store.scalar("SELECT user FROM claims WHERE post_id = ?", (post,)) == "alice",
        timeout=3000,
    )


def test_shortcut_sheet_lists_every_action(demo_store, make_window):
    w = make_window(demo_store)
    w.actions_by_id[ActionId.SHORTCUTS].trigger()
    rows = w.shortcut_sheet.rows()
    names = {r[1] for r in rows}
    for member in ActionId:
        assert member.spec.text.replace("&", "") in names
        assert member.spec.tooltip
    keyed = {r[1]: r[2] for r in rows}
    assert keyed["Small-boat crossing"] == "1"
    assert keyed["Escalate"] == "E"
    assert keyed["Undo"] == "Ctrl+Z"
    # Every action in the menus has a shortcut and a tooltip naming it.
    for member, action in w.actions_by_id.items():
        if member is not ActionId.ABOUT:
            assert action.shortcuts(), member
        assert action.toolTip()
        assert (action.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut) == (
            member.spec.scope is Scope.REVIEW
        )
    for action in w.tag_actions.values():
        assert action.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
        assert action in w.review.actions()
    w.shortcut_sheet.close()


def test_saved_views_and_settings_are_remembered(demo_store, make_window, isolated_data_dir):
    w = make_window(demo_store)
    w.apply_query(QueueQuery(platform="tiktok", sort="posted", descending=False))
    w.save_view("TikTok oldest first")
    names = [a.text() for a in w.saved_menu.actions()]
    assert names == ["TikTok oldest first"]
    w.view.setColumnWidth(4, 333)
    w.close()
    again = make_window(demo_store)
    assert again.model.query.platform == "tiktok"
    assert again.model.query.sort == "posted"
    assert again.view.columnWidth(4) == 333
    again.apply_query(QueueQuery())
    again.saved_menu.actions()[0].trigger()
    assert again.model.query.platform == "tiktok" and again.filter_bar.platform.value() == "tiktok"


def test_analyst_does_not_see_supervisor_actions(demo_store, make_window):
    from triage_app.store import open_store
    from triage_app.store.users import add_user

    add_user(demo_store, "carol", "analyst")
    carol = open_store(demo_store.path, user="carol")
    w = make_window(carol)
    assert w.user_label.text() == "carol (analyst)"
    assert not w.actions_by_id[ActionId.EXPORT_PACK].isVisible()
    assert not w.actions_by_id[ActionId.SUPERVISOR_VIEW].isEnabled()
    w.tag_actions["recruitment"].trigger()
    assert demo_store.scalar("SELECT actor FROM decisions") == "carol"
    carol_window_closed = w.close()
    assert carol_window_closed
    carol.close()


def test_supervisor_opens_the_pack_dialog(demo_store, make_window):
    w = make_window(demo_store)
    w.actions_by_id[ActionId.EXPORT_PACK].trigger()
    assert w.pack_dialog.isVisible()
    assert w.pack_dialog.objectName() == "packExportDialog"
    w.pack_dialog.reject()


def test_views_open_as_tabs(demo_store, make_window):
    w = make_window(demo_store)
    stats = w.open_view(ActionId.STATS_VIEW)
    assert w.tabs.currentWidget() is stats
    assert w.open_view(ActionId.STATS_VIEW) is stats  # brought forward, not opened twice
    w.actions_by_id[ActionId.QUEUE_TAB].trigger()
    assert w.tabs.currentIndex() == 0


def test_pivot_from_the_compare_pane(demo_store, make_window):
    w = make_window(demo_store)
    w.apply_query(QueueQuery())
    ids = [w.model.post_id(r) for r in (3, 9, 27)]
    w.compare.openAsFilter.emit(ids, "same phone number +44 7700 900123")
    assert sorted(w.model.post_id(r) for r in range(w.model.rowCount())) == sorted(ids)
    assert w.filter_bar.pivot_label.isVisible()
    assert "same phone number" in w.filter_bar.pivot_label.text()
    w.actions_by_id[ActionId.CLEAR_FILTERS].trigger()
    assert w.model.rowCount() == 3000
    assert not w.filter_bar.pivot_label.isVisible()


def test_a_bug_is_logged_and_named(isolated_data_dir, problems):
    from triage_app.ui import errors

    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        path = errors.report(None, exc, isolated_data_dir)
    assert path is not None and path.parent == isolated_data_dir / "logs"
    assert "RuntimeError: boom" in path.read_text()
    assert str(path) in problems[-1][1]
    from triage_app.core.errors import TriageError

    assert errors.report(None, TriageError("The folder is read-only"), isolated_data_dir) is None
    assert problems[-1] == ("Problem", "The folder is read-only")


def test_reviewing_time_is_counted_for_the_break_reminder(demo_store, make_window):
    w = make_window(demo_store)
    now = [1000.0]
    w.wellbeing._clock = lambda: now[0]
    w.wellbeing._last = None
    for _ in range(5):
        now[0] += 30
        w.tag_actions["escalate"].trigger()
    assert w.wellbeing.session_seconds >= 120


def test_a_supervisor_review_shows_in_the_queue(demo_store, make_window):
    from tests.support.run_as import colleague
    from triage_app.store.decisions import review

    w = make_window(demo_store)
    w.apply_query(QueueQuery())
    post = w.model.post_id(2)
    w.select_row(2)
    w.tag_actions["boat_crossing"].trigger()
    view = w.open_view(ActionId.SUPERVISOR_VIEW)
    with colleague(demo_store, "max", "supervisor") as other:  # four eyes: not alice herself
        review(other, [post], "approve")
    view.reviewed.emit([post])
    assert w.model.data(w.model.index(2, 6)).startswith("approved")


def test_question_mark_opens_the_shortcut_sheet(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.focus_queue()
    qtbot.keyClick(w.view, "?")
    assert w.shortcut_sheet.isVisible()
    w.shortcut_sheet.close()
