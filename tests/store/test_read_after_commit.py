"""Reads answered the moment a transaction commits (Store.read_after_commit): on a team server
they go in the COMMIT's own round trip, so that the window's check of the next post's preview
costs a tag key no round trip of its own (issue 16); locally they run right after the COMMIT.

What each kind of bad input gets: a statement that is not a SELECT is refused when the reads
are made (ValueError, a programming mistake), before any transaction; a read the store refuses
after the COMMIT leaves the reads unanswered (``answers`` None) and the transaction committed
(it was acknowledged: only the read failed), and the connection answers the next statement; a
transaction that rolls back answers nothing, and its reads never reach a later COMMIT."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.keys_helpers import fill
from triage_app.store.connection import ReadAfterCommit
from triage_app.store.decisions import current_tags, toggle_tag_outcome
from triage_app.store.post_detail import detail_from, detail_reads, post_detail

TAG = "boat_crossing"


@pytest.fixture
def store(make_store: Any, tmp_path: Any) -> Any:
    opened = make_store()
    fill(opened, tmp_path, 5)
    return opened


def _first(store: Any) -> int:
    return int(store.scalar("SELECT min(id) FROM posts"))


def _note_carrying(store: Any, post: int, note: str, later: ReadAfterCommit, **kw: bool) -> None:
    """A transaction that notes ``post`` and carries ``later`` (``deferred``: its write
    answered by the COMMIT, as a tag's); nothing is answered before the COMMIT."""
    with store.transaction() as conn:
        store.read_after_commit(later)
        if kw.get("deferred"):
            store.writes_answered_at_commit()
        conn.execute("UPDATE posts SET note = ? WHERE id = ?", (note, post))
        assert later.answers is None


def test_the_reads_see_what_the_transaction_committed(store: Any) -> None:
    post = _first(store)
    later = ReadAfterCommit(
        {
            "note": ("SELECT note FROM posts WHERE id = ?", (post,)),
            "count": ("SELECT count(*) FROM posts", ()),
        }
    )
    _note_carrying(store, post, "seen", later)
    assert later.answers is not None
    assert [tuple(r) for r in later.answers["note"]] == [("seen",)]
    assert later.answers["count"][0][0] == 5


def test_a_transaction_that_rolls_back_answers_nothing_now_or_later(store: Any) -> None:
    post = _first(store)
    later = ReadAfterCommit({"note": ("SELECT note FROM posts WHERE id = ?", (post,))})
    with pytest.raises(RuntimeError, match="changed my mind"), store.transaction() as conn:
        store.read_after_commit(later)
        conn.execute("UPDATE posts SET note = ? WHERE id = ?", ("seen", post))
        raise RuntimeError("changed my mind")
    assert later.answers is None
    with store.transaction() as conn:  # the next transaction does not carry them
        conn.execute("UPDATE posts SET note = ? WHERE id = ?", ("later", post))
    assert later.answers is None
    assert store.scalar("SELECT note FROM posts WHERE id = ?", (post,)) == "later"


@pytest.mark.parametrize("answered_at_commit", [False, True], ids=["writes", "deferred-writes"])
def test_a_read_that_fails_after_the_commit_leaves_the_transaction_committed(
    store: Any, answered_at_commit: bool
) -> None:
    """Either way the COMMIT is sent: after writes answered one by one, or after writes sent
    without waiting and answered by the COMMIT (Store.writes_answered_at_commit, the tag's)."""
    post = _first(store)
    later = ReadAfterCommit(
        {
            "fine": ("SELECT note FROM posts WHERE id = ?", (post,)),
            "broken": ("SELECT no_such_column FROM posts", ()),
        }
    )
    _note_carrying(store, post, "kept", later, deferred=answered_at_commit)
    assert later.answers is None
    assert not store.conn.in_transaction
    assert store.scalar("SELECT note FROM posts WHERE id = ?", (post,)) == "kept"


@pytest.mark.parametrize("sql", ["UPDATE posts SET note = 'x'", "DELETE FROM post_tags"])
def test_anything_but_a_select_is_refused_when_the_reads_are_made(store: Any, sql: str) -> None:
    with pytest.raises(ValueError, match="SELECTs only"):
        ReadAfterCommit({"ok": ("SELECT 1", ()), "bad": (sql, ())})
    assert store.scalar("SELECT count(*) FROM posts WHERE note IS NOT NULL") == 0


def test_a_tag_carries_the_next_post_s_preview_read_and_it_is_the_preview_s_own(
    store: Any,
) -> None:
    """What the window's tag key does: the next post's detail read in the tag's commit is the
    detail the preview reads by itself; the tagged post's own read sees the tag."""
    ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id").fetchall()]
    tagged, following = ids[0], ids[1]
    later = ReadAfterCommit(detail_reads(store, following))
    mine = ReadAfterCommit(detail_reads(store, tagged))
    toggle_tag_outcome(store, [tagged], TAG, then_read=later)
    assert later.answers is not None
    carried = detail_from(store, following, later.answers, explain=False, account_counts=False)
    assert carried == post_detail(store, following, explain=False, account_counts=False)

    toggle_tag_outcome(store, [tagged], TAG, then_read=mine)  # the second press removes it
    assert mine.answers is not None
    seen = detail_from(store, tagged, mine.answers, explain=False, account_counts=False)
    assert seen["tags"] == [] and current_tags(store, tagged) == []
    assert [d["kind"] for d in seen["decisions"]] == ["tag", "untag"]
