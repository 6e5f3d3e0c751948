"""A rejection's reason reaches the analyst (issue 14): View ▸ Returned to me lists the person's
rejected posts with the reason beside each, the preview says it, the window tells them at start,
and the audit view shows readable text, never a Python dict repr."""

from __future__ import annotations

import pytest

from triage_app.store import open_store
from triage_app.store.audit_query import readable_detail
from triage_app.store.decisions import apply_tags, review
from triage_app.store.demo_history import add_posts
from triage_app.store.review_queue import returned_items
from triage_app.store.users import add_user
from triage_app.ui.actions import ActionId
from triage_app.ui.audit_view import AuditView
from triage_app.ui.returned_view import ReturnedView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
REASON = "the number belongs to a taxi firm, not a smuggler"


@pytest.fixture
def rejected(make_store):
    """ana tagged 3 posts and bob 1; sue rejected two of ana's and bob's, approved one."""
    sue = make_store(user="sue")
    add_user(sue, "ana", "analyst")
    add_user(sue, "bob", "analyst")
    ana, bob = open_store(sue.path, user="ana"), open_store(sue.path, user="bob")
    ids = add_posts(sue, 5, platform="x")
    apply_tags(ana, ids[:3], add=["boat_crossing"])
    apply_tags(bob, ids[3:4], add=["fake_documents"])
    review(sue, ids[:2], "reject", REASON)
    review(sue, ids[3:4], "reject", "not a document seller")
    review(sue, ids[2:3], "approve")
    bob.close()
    return sue, ana, ids


def test_returned_items_are_the_persons_rejected_posts_with_the_reason(rejected):
    _sue, ana, ids = rejected
    items = returned_items(ana)
    assert sorted(i.post_id for i in items) == ids[:2]
    assert {(i.rejected_by, i.reason) for i in items} == {("sue", REASON)}


def test_the_window_lists_them_with_the_reason_and_opens_them_in_the_queue(
    rejected, make_window, qtbot
):
    _sue, ana, ids = rejected
    w = make_window(ana)
    assert "2 of your tagged posts were returned by a supervisor" in (
        w.statusBar().currentMessage()
    )
    w.actions_by_id[ActionId.RETURNED_VIEW].trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, ReturnedView)
    assert view.model.rowCount() == 2
    reasons = {view.model.data(view.model.index(r, 5)) for r in range(2)}
    assert reasons == {REASON}
    assert view.model.data(view.model.index(0, 3)) == "sue"
    # The preview beside the list says who returned it and why.
    assert view.preview.post_id in ids[:2]
    header = view.preview.header.text()
    assert "Returned by sue" in header and "taxi firm" in header
    w.resize(1280, 720)  # the smallest screen the window must serve
    qtbot.wait(50)
    w.grab().save("/tmp/sup/returned.png")
    view.table.selectAll()
    view.open_button.click()
    assert w.tabs.currentIndex() == 0
    assert sorted(w.model.post_id(r) for r in range(w.model.rowCount())) == ids[:2]
    # The queue's own preview says it too.
    w.pane_schedule.finish()
    assert "Returned by sue" in w.preview.header.text()


def test_an_undone_rejection_no_longer_shows(rejected):
    sue, ana, ids = rejected
    from triage_app.store.decisions import undo_review

    undo_review(sue, ids[0])
    assert [i.post_id for i in returned_items(ana)] == [ids[1]]


def test_the_audit_view_shows_readable_text_never_a_repr(rejected, qtbot):
    sue, _ana, _ids = rejected
    view = AuditView(sue)
    qtbot.addWidget(view)
    texts = [view.model.data(view.model.index(r, 5)) for r in range(view.model.rowCount())]
    reject = [t for t in texts if REASON in t]
    assert reject and reject[0].startswith(f"reason: {REASON} · posts: 2 · batch ")
    for text in texts:
        assert "{" not in text and "['" not in text and "=[" not in text, text
    assert readable_detail('{"add": ["boat_crossing"], "remove": [], "note": false}') == (
        "added: boat_crossing"
    )
    assert readable_detail('{"sub": {"a": [1, 2]}, "ok": true}') == "sub: a 1, 2 · ok: yes"
