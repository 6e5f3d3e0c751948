"""The next post's preview is made while the analyst reads (ui/preview_ahead.py): a tag key then
shows the prepared pane, but only when the store still says what the pane shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from triage_app.store.decisions import set_note, toggle_tag
from triage_app.ui.actions import ActionId
from triage_app.ui.preview_pane import PreviewPane

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _settled(w, qtbot) -> None:
    """Both panes painted for the current post and the next one prepared (idle turns)."""
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    nxt = w.model.post_id(w.current_row() + 1)
    qtbot.waitUntil(lambda: w.ahead is not None and w.ahead.prepared_post == nxt)


def test_tag_key_shows_the_pane_prepared_for_the_next_post(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(4)
    _settled(w, qtbot)
    before = w.preview
    spare = w.ahead._spare
    nxt = w.model.post_id(5)
    assert spare is not None and spare.isHidden() and spare.detail["id"] == nxt

    w.view.setFocus()  # as an analyst tags: from the queue
    w.tag_actions["boat_crossing"].trigger()  # key 1 (a key click needs the window active)
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)

    assert w.current_post_id() == nxt
    assert w.preview is spare, "the prepared pane was not used"
    assert w.preview.isVisible() and before.isHidden()
    assert w.preview.detail["id"] == nxt
    assert w.preview.geometry() == w._pane_fences[0].rect()
    # The pane that was shown is the spare now, and is prepared for the post after.
    _settled(w, qtbot)
    assert w.ahead._spare is before and before.detail["id"] == w.model.post_id(6)


def test_a_change_made_elsewhere_after_preparing_is_shown_not_the_stale_pane(
    demo_store, make_window, qtbot
):
    w = make_window(demo_store)
    w.select_row(2)
    _settled(w, qtbot)
    nxt = w.model.post_id(3)
    spare = w.ahead._spare
    # Someone else (another session, a sync) notes and tags the next post meanwhile.
    set_note(demo_store, nxt, "seen on the ferry forum too")
    toggle_tag(demo_store, [nxt], "fake_documents")

    w.view.setFocus()
    w.actions_by_id[ActionId.NEXT_POST].trigger()  # J
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)

    assert w.current_post_id() == nxt
    assert w.preview is not spare, "the pane filled before the change was shown"
    assert "seen on the ferry forum too" in w.preview.source.text()
    assert [t["key"] for t in w.preview.detail["tags"]] == ["fake_documents"]
    assert demo_store.taxonomy["fake_documents"].label in w.preview.header.text()


def test_another_search_to_highlight_fills_the_preview_again(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(0)
    _settled(w, qtbot)
    spare = w.ahead._spare
    w.preview.search = "boat"  # as apply_query sets it; the spare was made without it
    w.view.setFocus()
    w.actions_by_id[ActionId.NEXT_POST].trigger()  # J
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.preview is not spare
    assert w.preview.detail["id"] == w.model.post_id(1)


def test_focus_inside_the_preview_keeps_that_pane(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(0)
    _settled(w, qtbot)
    shown = w.preview
    shown.text_view.setFocus()
    qtbot.waitUntil(shown.text_view.hasFocus)
    w.move_by(1)
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.preview is shown and shown.text_view.hasFocus()
    assert w.preview.detail["id"] == w.model.post_id(1)


def test_lock_drops_the_prepared_pane_with_its_post(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(0)
    _settled(w, qtbot)
    w.lock()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert w.ahead is None
    assert w.findChildren(PreviewPane) == [], "a preview pane (and its post) outlived the lock"


def test_unlock_on_a_post_shown_ahead_fills_the_new_preview(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(0)
    _settled(w, qtbot)
    w.move_by(1)  # shown ahead at once; the lock comes before the panes' next turn
    w.lock()
    assert w.unlock()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert isinstance(w.preview, PreviewPane)
    assert w.preview.detail is not None and w.preview.detail["id"] == w.model.post_id(1)


def test_tag_bar_and_note_show_the_post_shown_ahead(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    nxt = w.model.post_id(1)
    toggle_tag(demo_store, [nxt], "fake_documents")
    toggle_tag(demo_store, [nxt], "recruitment")
    set_note(demo_store, nxt, "same number as the Zuwara ad")
    w.model.refresh_posts([nxt])
    # The window may have prepared the post before these changes (the check would then fill
    # it on the key): the analyst looks elsewhere and comes back, and it is prepared again.
    w.select_row(5)
    _settled(w, qtbot)
    w.select_row(0)
    _settled(w, qtbot)
    spare = w.ahead._spare
    w.view.setFocus()
    w.actions_by_id[ActionId.NEXT_POST].trigger()  # J
    assert w.preview is spare  # shown ahead: the bar and the note come from its checked read
    assert sorted(w.tag_bar.checked()) == ["fake_documents", "recruitment"]
    assert w.note.text() == "same number as the Zuwara ad"
    # ...and from the store when the preview is filled on the key's path.
    w.select_row(3)
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    w.move_by(-2)
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.current_post_id() == nxt and w.preview.detail["id"] == nxt
    assert sorted(w.tag_bar.checked()) == ["fake_documents", "recruitment"]
    assert w.note.text() == "same number as the Zuwara ad"


def test_the_line_dragged_after_preparing_is_kept(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(0)
    _settled(w, qtbot)
    shown = w.preview
    body = shown.body
    body.moveSplitter(body.height() // 3, 1)  # the person gives the strip more room
    dragged = body.share
    assert dragged is not None
    w.view.setFocus()
    w.actions_by_id[ActionId.NEXT_POST].trigger()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.preview is shown and w.preview.body.share == dragged  # filled where it was
    _settled(w, qtbot)
    w.actions_by_id[ActionId.NEXT_POST].trigger()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.preview is not shown, "the next preview was not made ahead"
    assert w.preview.body.share == dragged


def test_the_tag_key_checks_the_prepared_post_with_the_tag_s_commit(
    demo_store, make_window, qtbot, monkeypatch
):
    """The key's check of the next post is the read its tag's commit carried (on a team
    server in the COMMIT's round trip): the preview is not read again after the tag."""
    from triage_app.ui import preview_ahead

    w = make_window(demo_store)
    w.select_row(4)
    _settled(w, qtbot)
    spare, nxt = w.ahead._spare, w.model.post_id(5)
    read_again: list[int] = []
    reader = preview_ahead.read_for_preview
    monkeypatch.setattr(
        preview_ahead,
        "read_for_preview",
        lambda store, post_id: read_again.append(post_id) or reader(store, post_id),
    )
    w.view.setFocus()
    w.tag_actions["boat_crossing"].trigger()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.current_post_id() == nxt and w.preview is spare
    assert read_again == [], "the next post was read again after the tag's commit"
    assert w.ahead._check is None  # the answers do not outlive the key


def test_a_change_committed_before_the_tag_key_is_caught_by_the_carried_check(
    demo_store, make_window, qtbot
):
    """Someone else notes the next post after its pane was prepared and before the key: the
    read carried by the tag's commit sees it, and the preview is filled the usual way."""
    w = make_window(demo_store)
    w.select_row(2)
    _settled(w, qtbot)
    spare, nxt = w.ahead._spare, w.model.post_id(3)
    set_note(demo_store, nxt, "the same boat, another page")
    w.view.setFocus()
    w.tag_actions["boat_crossing"].trigger()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.current_post_id() == nxt
    assert w.preview is not spare
    assert "the same boat, another page" in w.preview.source.text()


def test_a_tag_that_does_not_move_leaves_no_answer_for_a_later_move(demo_store, make_window, qtbot):
    """A tag with "advance after tag" off leaves nothing for a later move: a J pressed later,
    after someone else changed the next post, reads it again instead of trusting answers a
    moment old."""
    w = make_window(demo_store)
    w.actions_by_id[ActionId.ADVANCE_AFTER_TAG].setChecked(False)
    w.select_row(2)
    _settled(w, qtbot)
    spare, nxt = w.ahead._spare, w.model.post_id(3)
    w.view.setFocus()
    w.tag_actions["boat_crossing"].trigger()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.current_post_id() == w.model.post_id(2)
    assert w.ahead._check is None
    set_note(demo_store, nxt, "changed after the tag")
    w.actions_by_id[ActionId.NEXT_POST].trigger()  # J
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.current_post_id() == nxt
    assert w.preview is not spare
    assert "changed after the tag" in w.preview.source.text()
