"""The audit view: filters, and "Verify chain" naming the first bad row."""

from __future__ import annotations

import pytest

from tests.support.run_as import personal_public_key
from triage_app.store import open_store
from triage_app.store.decisions import apply_tags, review
from triage_app.store.demo_history import add_posts
from triage_app.store.users import add_user
from triage_app.ui.audit_view import AuditView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")
    add_user(s, "ana", "analyst", public_key=personal_public_key("ana"))
    ids = add_posts(s, 3)
    ana = open_store(s.path, user="ana")
    apply_tags(ana, ids[:2], add=["boat_crossing"])
    apply_tags(ana, [ids[2]], add=["not_relevant"])
    review(s, [ids[0]], "approve")
    return s


def test_lists_and_filters_rows(qtbot, store):
    view = AuditView(store)
    qtbot.addWidget(view)
    assert view.model.rowCount() == 7  # with sue's and ana's key registrations
    assert [r.action for r in view.model.rows] == [
        "approve",
        "tag",
        "tag",
        "import",
        "user_key",
        "user_add",
        "user_key",
    ]
    view.set_filters(actor="ana")
    assert {r.actor for r in view.model.rows} == {"ana"} and view.model.rowCount() == 2
    view.set_filters(action="approve")
    assert [r.actor for r in view.model.rows] == ["sue"]
    view.set_filters(post=3)
    assert [r.action for r in view.model.rows] == ["tag"]
    view.set_filters()
    assert view.count.text() == "7 rows"
    view.post.setText("abc")
    view.reload()
    assert "must be a post id" in view.result.text()


def test_verify_chain_names_the_edited_row(qtbot, store):
    view = AuditView(store)
    qtbot.addWidget(view)
    assert view.verify().ok
    assert view.result.text() == "Audit chain intact: 7 rows checked."
    with store.transaction() as conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 3")
    view.refresh()
    check = view.verify()
    assert not check.ok and check.first_bad_id == 3
    assert view.result.text().startswith(
        "Audit chain broken at row 3: its content does not match its hash"
    )
    selected = view.table.selectionModel().selectedRows()
    assert [view.model.rows[i.row()].id for i in selected] == [3]
