"""The window's "Verify chain" names a decision forged in the store file (personal signatures)."""

from __future__ import annotations

import pytest

from tests.support.run_as import tag_as
from tests.support.tamper import edit_by_hand
from triage_app.store.decisions import review
from triage_app.store.demo_history import add_posts
from triage_app.ui.audit_view import AuditView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_a_changed_actor_is_named(qtbot, make_store):
    store = make_store(user="sue")
    ids = add_posts(store, 2)
    tag_as(store, "ana", ids, ["boat_crossing"])
    review(store, [ids[0]], "approve")
    view = AuditView(store)
    qtbot.addWidget(view)
    assert view.verify().ok
    uid = store.scalar("SELECT uuid FROM decisions WHERE kind = 'tag' AND post_id = ?", (ids[1],))
    edit_by_hand(  # a colleague with the sqlite3 program on the plain store file (or psql)
        store,
        f"UPDATE decisions SET actor = 'sue' WHERE uuid = '{uid}';\n",
        drop=("decisions_no_update",),
    )
    assert not view.verify().ok
    text = view.result.text()
    assert text.startswith(f"The store was changed outside the program: decision {uid}")
    assert "the signature is not sue's (altered or forged)" in text
