"""The window's "Verify chain" also finds what the chain alone cannot: newest rows cut (through
the checkpoint kept in the person's profile) and a status set by hand (through the replay)."""

from __future__ import annotations

import pytest

from tests.support.run_as import tag_as
from triage_app.store.decisions import review
from triage_app.store.demo_history import add_posts
from triage_app.ui.audit_view import AuditView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")
    ids = add_posts(s, 3)
    tag_as(s, "ana", ids, ["boat_crossing"])
    review(s, [ids[0]], "approve")
    return s


def test_a_status_set_by_hand_is_named(qtbot, store):
    view = AuditView(store)
    qtbot.addWidget(view)
    assert view.verify().ok
    with store.transaction() as conn:
        conn.execute("UPDATE posts SET status = 'approved' WHERE id = 2")
    natural = store.scalar("SELECT platform_post_id FROM posts WHERE id = 2")
    check = view.verify()
    assert not check.ok and check.first_bad_id is None
    assert view.result.text() == (
        f"The store was changed outside the program: post 2 (x:{natural}): status approved but "
        "its decisions give tagged"
    )


def test_cut_rows_are_named(qtbot, store):
    view = AuditView(store)
    qtbot.addWidget(view)
    rows = store.scalar("SELECT count(*) FROM audit")
    with store.transaction() as conn:
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("DROP TRIGGER audit_checkpoints_no_delete")
        conn.execute("DELETE FROM audit WHERE id = ?", (rows,))
        conn.execute("DELETE FROM audit_checkpoints")
    check = view.verify()
    assert not check.ok
    assert view.result.text().startswith(
        f"The store was changed outside the program: The audit chain was cut or rewritten after "
        f"checkpoint {rows} ("
    )
