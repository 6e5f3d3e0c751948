"""The tag key does not ask the store who holds a post the store has just given this person
(ui/claims.py: ClaimKeeper._surely_ours). Claims are exclusive until they expire or their
session ends, so a post claimed for the analyst a moment ago (by "next post", or on settling)
is held by no one else; on a team server the question was a round trip on every key. These
tests spy on the real question (claims_of_others still runs when called) and check when it is
asked again: another post, a claim older than half a claim's life, a session the server ended."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.pg_server import end_session
from triage_app.store import open_store
from triage_app.store.decisions import claim
from triage_app.ui import claims as claims_module

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
TAG = "boat_crossing"


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry each time the window asks the store which posts others hold."""
    calls: list[int] = []
    real = claims_module.claims_of_others

    def spied(store: Any) -> dict[int, str]:
        calls.append(1)
        return real(store)

    monkeypatch.setattr(claims_module, "claims_of_others", spied)
    return calls


def _settled_and_claimed(w: Any, qtbot: Any, row: int) -> int:
    w.select_row(row)
    post = w.current_post_id()
    w.claims.claim_now()  # what the settle timer does 250 ms after the post stops changing
    assert w.claims.holder is None
    return post


def _tags(store: Any, post: int) -> list[str]:
    return [r[0] for r in store.execute("SELECT tag FROM post_tags WHERE post_id = ?", (post,))]


def test_a_post_claimed_for_the_analyst_is_tagged_without_asking(
    demo_store: Any, make_window: Any, qtbot: Any, asked: list[int]
) -> None:
    w = make_window(demo_store)
    post = _settled_and_claimed(w, qtbot, 3)
    assert w.tag_current_and_advance(TAG)
    assert asked == []
    assert _tags(demo_store, post) == [TAG]
    # A selection of several posts is asked about, as before.
    w.select_row(5)
    w.view.selectionModel().select(
        w.model.index(6, 0),
        w.view.selectionModel().SelectionFlag.Select | w.view.selectionModel().SelectionFlag.Rows,
    )
    assert len(w.selected_post_ids()) == 2
    assert w.tag_current_and_advance(TAG)
    assert asked == [1]


def test_an_old_claim_is_asked_about_and_someone_else_s_is_seen(
    demo_store: Any, make_window: Any, qtbot: Any, asked: list[int]
) -> None:
    """Half a claim's life later, the store is asked again: here ours expired meanwhile and
    bob took the post, so the window asks before tagging it and tags nothing when told no."""
    from triage_app.store.users import add_user

    add_user(demo_store, "bob", "analyst")
    bob = open_store(demo_store.path, user="bob")
    try:
        w = make_window(demo_store)
        post = _settled_and_claimed(w, qtbot, 4)
        ours = w.claims._ours
        assert ours is not None and ours[0] == post
        w.claims._ours = (post, ours[1] - claims_module.OURS_TRUSTED_SECONDS - 1, ours[2])
        demo_store.execute("UPDATE claims SET expires_at = 0 WHERE post_id = ?", (post,))
        assert claim(bob, post) is None
        questions: list[str] = []
        w.confirm = lambda title, question: questions.append(question) or False
        assert not w.tag_current_and_advance(TAG)
        assert asked == [1]
        assert questions and "bob" in questions[0]
        assert _tags(demo_store, post) == []
    finally:
        bob.close()


def test_after_the_server_ended_the_session_the_claim_is_asked_about(
    team_store: Any, make_window: Any, qtbot: Any, asked: list[int]
) -> None:
    """A team server's claim ends with its session: once the window's connection was replaced,
    "next post"'s claim made on the old session is not trusted."""
    w = make_window(team_store)
    _settled_and_claimed(w, qtbot, 2)
    assert w.tag_current_and_advance(TAG)  # moves on, claiming the next post on the server
    assert asked == []
    taken = w.current_post_id()
    assert w.claims._ours is not None and w.claims._ours[0] == taken
    end_session(team_store)  # the window's next statement takes a new session
    assert team_store.conn.reconnects == 1
    assert w.tag_current_and_advance(TAG)
    assert asked == [1]
    assert _tags(team_store, taken) == [TAG]
