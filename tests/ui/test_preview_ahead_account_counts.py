"""A preview made ahead (ui/preview_ahead.py) shows the account's counts as they are once it is
shown, not as they were when it was made: the analyst's own tag on the post before, from the
same account, is counted."""

from __future__ import annotations

import pytest

from triage_app.store.post_detail import account_counts

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _same_account_pair(w) -> int:
    """A row whose next row is a post of the same account, both new."""
    store = w.store
    for row in range(min(w.model.rowCount() - 1, 400)):
        a, b = w.model.post_id(row), w.model.post_id(row + 1)
        pair = store.execute(
            "SELECT a.account_id, b.account_id, a.status, b.status FROM posts a, posts b "
            "WHERE a.id = ? AND b.id = ?",
            (a, b),
        ).fetchone()
        if pair[0] is not None and pair[0] == pair[1] and pair[2:] == ("new", "new"):
            return row
    raise AssertionError("no two neighbouring posts of one account in the demo queue")


def test_the_account_card_counts_the_tag_just_made_on_the_same_account(
    demo_store, make_window, qtbot
):
    w = make_window(demo_store)
    row = _same_account_pair(w)
    w.select_row(row)
    nxt = w.model.post_id(row + 1)
    qtbot.waitUntil(lambda: w.ahead is not None and w.ahead.prepared_post == nxt)
    spare = w.ahead._spare
    account = spare.detail["account"]["id"]
    before = account_counts(demo_store, account)["posts_tagged"]

    w.view.setFocus()
    w.tag_actions["boat_crossing"].trigger()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    assert w.preview is spare, "the prepared pane was not used"
    after = account_counts(demo_store, account)["posts_tagged"]
    assert after == before + 1
    qtbot.waitUntil(lambda: f"{after:,} tagged" in w.preview.account_card.text(), timeout=2000)
