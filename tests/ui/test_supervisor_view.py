"""The supervisor view: approve, reject, re-tag, bulk approve; analysts are refused."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from triage_app.store import open_store
from triage_app.store.audit import verify_audit
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.users import add_user
from triage_app.ui import errors
from triage_app.ui.supervisor_view import SupervisorView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def problems(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(errors, "show_problem", lambda parent, title, text: shown.append(text))
    return shown


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")
    add_user(s, "ana", "analyst")
    add_user(s, "bob", "analyst")
    ana, bob = open_store(s.path, user="ana"), open_store(s.path, user="bob")
    ids = add_posts(s, 4, platform="x", cluster=9) + add_posts(s, 2, platform="tiktok", seed=2)
    apply_tags(ana, ids[:4], add=["boat_crossing"])
    apply_tags(bob, ids[4:], add=["fake_documents"])
    return s


def status(store, post_id):
    return store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,))


def make_view(qtbot, store):
    view = SupervisorView(store)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    return view


def test_lists_the_queue_and_filters(qtbot, store):
    view = make_view(qtbot, store)
    assert view.model.rowCount() == 6
    assert view.count_label.text() == "6 awaiting review"
    analysts = [view.filters["analyst"].itemText(i) for i in range(view.filters["analyst"].count())]
    assert analysts == ["All", "ana (4)", "bob (2)"]
    view.set_filter("analyst", "bob")
    assert {item.analyst for item in view.model.rows} == {"bob"}
    view.set_filter("analyst", None)
    view.set_filter("platform", "tiktok")
    assert view.model.rowCount() == 2
    view.set_filter("platform", None)
    view.set_filter("tag", "boat_crossing")
    assert view.model.rowCount() == 4
    view.set_filter("tag", None)
    view.set_filter("cluster", "9")
    assert view.model.rowCount() == 4


def test_a_approves_with_a_real_key_press(qtbot, store):
    view = make_view(qtbot, store)
    view.select_posts([1])
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_A)
    assert status(store, 1) == "approved"
    assert all(item.post_id != 1 for item in view.model.rows)
    row = store.execute(
        "SELECT actor, kind FROM decisions WHERE post_id = 1 ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row == ("sue", "approve")


def test_reject_asks_for_a_reason_and_cancel_changes_nothing(qtbot, store):
    view = make_view(qtbot, store)
    view.select_posts([5, 6])
    view.ask_reason = lambda count: None
    view.review_actions["reject"].trigger()
    assert status(store, 5) == "tagged"
    asked: list[int] = []
    view.ask_reason = lambda count: asked.append(count) or "a news report, not an advert"
    view.select_posts([5, 6])
    view.review_actions["reject"].trigger()
    assert asked == [2]
    assert (status(store, 5), status(store, 6)) == ("rejected", "rejected")
    note = store.scalar("SELECT note FROM decisions WHERE post_id = 5 AND kind = 'reject'")
    assert note == "a news report, not an advert"


def test_an_empty_reason_is_refused_with_a_message(qtbot, store, problems):
    view = make_view(qtbot, store)
    view.select_posts([5])
    view.ask_reason = lambda count: "  "
    view.review_actions["reject"].trigger()
    assert len(problems) == 1 and problems[0].startswith("A rejection needs a reason")
    assert "--" not in problems[0]
    assert status(store, 5) == "tagged"


def test_retag_from_the_tag_bar(qtbot, store):
    view = make_view(qtbot, store)
    view.select_posts([2])
    view.tag_bar.buttons["testimonial"].click()
    tags = [r[0] for r in store.execute("SELECT tag FROM post_tags WHERE post_id = 2 ORDER BY tag")]
    assert tags == ["boat_crossing", "testimonial"]
    assert view.tag_bar.buttons["testimonial"].isChecked()
    assert view.selected_ids() == [2]
    view.tag_bar.buttons["boat_crossing"].click()
    tags = [r[0] for r in store.execute("SELECT tag FROM post_tags WHERE post_id = 2")]
    assert tags == ["testimonial"]
    actors = {
        r[0]
        for r in store.execute(
            "SELECT actor FROM decisions WHERE post_id = 2 AND kind IN ('tag', 'untag') AND "
            "tag = 'testimonial'"
        )
    }
    assert actors == {"sue"}


def test_bulk_approve_of_a_selection_and_a_cluster(qtbot, store):
    view = make_view(qtbot, store)
    view.select_posts([5, 6])
    view.confirm = lambda title, question: True  # a bulk approval asks first (with the count)
    view.review_actions["approve"].trigger()
    assert (status(store, 5), status(store, 6)) == ("approved", "approved")
    view.select_posts([3])
    asked: list[str] = []
    view.confirm = lambda title, question: asked.append(question) is not None
    view.review_actions["approve_cluster"].trigger()
    assert asked and "all 4 tagged posts of cluster 9" in asked[0]
    assert [status(store, p) for p in (1, 2, 3, 4)] == ["tagged"] * 4  # answered no
    view.confirm = lambda title, question: True
    view.select_posts([3])
    view.review_actions["approve_cluster"].trigger()
    assert [status(store, p) for p in (1, 2, 3, 4)] == ["approved"] * 4
    assert view.model.rowCount() == 0
    assert verify_audit(store.conn).ok


def test_an_analyst_sees_no_queue_and_cannot_approve(qtbot, store, problems):
    ana = open_store(store.path, user="ana")
    view = make_view(qtbot, ana)
    assert view.body.isHidden()
    assert "needs the supervisor role; ana is analyst" in view.notice.text()
    assert not view.review_actions["approve"].isEnabled()
    assert view.model.rowCount() == 0
    # Even if the action were reached some other way, the core refuses it.
    view.model.set_rows([])
    view.review_actions["approve"].setEnabled(True)
    view.body.show()
    from triage_app.store.review_queue import review_items

    view.model.set_rows(review_items(store))
    view.select_posts([1])
    view.approve_selected()
    assert problems == ["'approve' needs the supervisor role; 'ana' is analyst"]
    assert status(store, 1) == "tagged"


def test_approve_cluster_on_a_post_without_a_cluster_says_so(qtbot, store, problems):
    view = make_view(qtbot, store)
    view.select_posts([5])
    view.review_actions["approve_cluster"].trigger()
    assert problems == ["Post 5 is not in a cluster of similar posts"]
    assert status(store, 5) == "tagged"
