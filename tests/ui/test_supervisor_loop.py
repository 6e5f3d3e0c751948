"""The supervisor's loop in a real window (issue 14): the detail pane is the analyst's preview,
each verdict is said in the status bar, Ctrl+Z in the supervisor tab undoes approvals and
rejections until the post is in a referral pack (then a clear message), bulk approvals ask with
the count, and undo returns to the post it undid."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyrage import x25519
from PySide6.QtCore import Qt

from triage_app.packs.build import build_referral_pack
from triage_app.store import open_store
from triage_app.store.decisions import apply_tags, set_note
from triage_app.store.demo_history import add_posts
from triage_app.store.users import add_user
from triage_app.ui.actions import ActionId
from triage_app.ui.compare_pane import ComparePane
from triage_app.ui.preview_pane import PreviewPane
from triage_app.ui.supervisor_view import SupervisorView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def team(make_store):
    """sue (supervisor) reviews what ana (analyst) tagged: 3 x posts and 2 facebook posts."""
    sue = make_store(user="sue")
    add_user(sue, "ana", "analyst")
    ana = open_store(sue.path, user="ana")
    ids = add_posts(sue, 3, platform="x", cluster=7) + add_posts(
        sue, 2, platform="facebook", seed=3
    )
    apply_tags(ana, ids, add=["boat_crossing"])
    set_note(ana, ids[0], "same phone as last week's boat advert")
    ana.close()
    return sue, ids


def status(store, post_id):
    return store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,))


def supervisor_tab(window) -> SupervisorView:
    window.actions_by_id[ActionId.SUPERVISOR_VIEW].trigger()
    view = window.tabs.currentWidget()
    assert isinstance(view, SupervisorView)
    return view


def test_the_detail_pane_is_the_analysts_preview(team, make_window, qtbot):
    store, ids = team
    w = make_window(store)
    view = supervisor_tab(w)
    view.select_posts([ids[0]])
    assert isinstance(view.preview, PreviewPane) and isinstance(view.compare, ComparePane)
    assert view.preview.post_id == ids[0]
    assert view.preview.indicator_list.count() >= 1  # indicators, as the analyst saw them
    assert "same phone as last week" in view.preview.source.text()  # the analyst's note
    assert "boat" in view.preview.header.text().lower()  # the tags with their labels
    assert view.compare.anchor == ids[0]  # nearest duplicate / shared contacts
    assert f"Post {ids[0]} · tagged by ana" in view.hint.text()
    w.resize(1280, 720)  # the smallest screen the window must serve
    qtbot.wait(50)
    w.grab().save("/tmp/sup/supervisor_tab.png")


def test_verdicts_are_said_and_undone_with_ctrl_z_back_to_the_post(team, make_window, qtbot):
    store, ids = team
    w = make_window(store)
    view = supervisor_tab(w)
    view.select_posts([ids[1]])
    view.review_actions["approve"].trigger()
    assert status(store, ids[1]) == "approved"
    message = w.statusBar().currentMessage()
    assert message.startswith(f"Approved post {ids[1]}") and "Ctrl+Z" in message
    assert ids[1] not in [i.post_id for i in view.model.rows]

    view.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert status(store, ids[1]) == "tagged"
    assert w.statusBar().currentMessage().startswith(f"Undone: approval of post {ids[1]} (@")
    assert w.tabs.currentWidget() is view and view.selected_ids() == [ids[1]]  # back on it

    view.ask_reason = lambda count: "the phone number is a taxi firm's"
    view.select_posts([ids[2]])
    view.review_actions["reject"].trigger()
    assert status(store, ids[2]) == "rejected"
    said = w.statusBar().currentMessage()
    assert said.startswith(f"Rejected post {ids[2]} (@") and "taxi firm's" in said
    view.select_posts([ids[0]])  # moved on; undo brings the rejected post back
    qtbot.keyClick(view.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert status(store, ids[2]) == "tagged" and view.selected_ids() == [ids[2]]
    w.actions_by_id[ActionId.REDO].trigger()  # redo gives the same verdict and reason again
    assert status(store, ids[2]) == "rejected"
    assert (
        store.scalar(
            "SELECT note FROM decisions WHERE post_id = ? AND kind = 'reject' ORDER BY id DESC",
            (ids[2],),
        )
        == "the phone number is a taxi firm's"
    )


def test_bulk_approval_asks_with_the_count(team, make_window):
    store, ids = team
    w = make_window(store)
    view = supervisor_tab(w)
    asked: list[str] = []
    view.confirm = lambda title, question: asked.append(question) is None and False
    view.select_posts(ids[3:5])
    view.review_actions["approve"].trigger()
    assert asked == ["Approve the 2 selected posts?"]
    assert [status(store, p) for p in ids[3:5]] == ["tagged", "tagged"]
    view.confirm = lambda title, question: True
    view.review_actions["approve"].trigger()
    assert [status(store, p) for p in ids[3:5]] == ["approved", "approved"]
    assert w.statusBar().currentMessage().startswith("Approved 2 posts")


def test_undo_is_refused_with_a_clear_message_once_the_post_is_in_a_pack(
    team, make_window, problems, tmp_path: Path, qtbot
):
    store, ids = team
    w = make_window(store)
    view = supervisor_tab(w)
    view.confirm = lambda title, question: True
    view.select_posts(ids[3:5])
    view.review_actions["approve"].trigger()
    build_referral_pack(
        store,
        "facebook",
        tmp_path / "sent.age",
        recipients=[str(x25519.Identity.generate().to_public())],
    )
    assert status(store, ids[3]) == "referred"
    qtbot.keyClick(view.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert status(store, ids[3]) == "referred"
    assert len(problems) == 1
    title, text = problems[0]
    assert title == "Undo"
    assert text.startswith("Cannot undo the approval of 2 posts: Post ")
    assert "already referred in pack" in text and "record an outcome instead" in text
    assert w.statusBar().currentMessage() == text


def test_a_re_tag_in_the_supervisor_tab_is_undone_there_too(team, make_window, qtbot):
    store, ids = team
    w = make_window(store)
    view = supervisor_tab(w)
    view.select_posts([ids[0]])
    view.tag_bar.buttons["testimonial"].click()
    assert w.statusBar().currentMessage() == f"Re-tagged: Testimonial on post {ids[0]}"
    assert (
        store.scalar(
            "SELECT count(*) FROM post_tags WHERE post_id = ? AND tag = 'testimonial'", (ids[0],)
        )
        == 1
    )
    view.select_posts([ids[2]])
    qtbot.keyClick(view.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (
        store.scalar(
            "SELECT count(*) FROM post_tags WHERE post_id = ? AND tag = 'testimonial'", (ids[0],)
        )
        == 0
    )
    assert view.selected_ids() == [ids[0]]
