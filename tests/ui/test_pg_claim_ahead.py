"""On a team server the post a tag key moves to is claimed while the analyst reads the current
one (ui/claims.py: ClaimKeeper.claim_ahead, called where the window prepares the next post's
preview), so the key itself sends no claim: the same SKIP LOCKED claim, off the key's path.
These tests run on a real server and check that the claim ahead is a real claim (a colleague's
"next post" steps over it), that a post a colleague holds is stepped over ahead too, that the
key asks again when the claim ahead cannot be trusted (too old, another session), and that a
store of one's own claims nothing ahead."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.pg_server import end_session
from triage_app.store.decisions import claim, claim_holder, claim_next
from triage_app.ui import claims as claims_module
from triage_app.ui.actions import ActionId
from triage_app.ui.claims import OURS_TRUSTED_SECONDS

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
TAG = "boat_crossing"


@pytest.fixture
def claims_sent(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The candidates of every "next post" claim the window sends (the real claim still runs)."""
    sent: list[list[int]] = []
    real = claims_module.claim_next

    def spied(store: Any, candidates: Any = None, *args: Any) -> int | None:
        sent.append(list(candidates or []))
        return real(store, candidates, *args)

    monkeypatch.setattr(claims_module, "claim_next", spied)
    return sent


@pytest.fixture
def window(team_store: Any, make_window: Any) -> Any:
    """The window on the team server's store (its login: the store's owner)."""
    return make_window(team_store)


@pytest.fixture
def bob(another_login: Any) -> Any:
    """A colleague on the same server."""
    return another_login("bob")


def _prepared(w: Any, qtbot: Any, row: int) -> int:
    """Select ``row``, let the window paint it and prepare the next post; that post."""
    w.select_row(row)
    following = {w.model.post_id(r) for r in range(row + 1, row + 10)}
    qtbot.waitUntil(lambda: w.ahead is not None and w.ahead.prepared_post in following)
    return int(w.ahead.prepared_post)


def _key(w: Any, claims_sent: list[list[int]]) -> int:
    """The tag key; how many claims it sent on its own path."""
    before = len(claims_sent)
    assert w.tag_current_and_advance(TAG)
    return len(claims_sent) - before


def test_the_key_moves_to_the_post_claimed_ahead_and_sends_no_claim(
    team_store: Any, window: Any, qtbot: Any, claims_sent: list[list[int]]
) -> None:
    prepared = _prepared(window, qtbot, 2)
    assert prepared == window.model.post_id(3)
    # Claimed on the server while the analyst reads row 2, before any key.
    assert claim_holder(team_store, prepared) == team_store.user
    assert claims_sent, "the post after the current one was not claimed ahead"

    assert _key(window, claims_sent) == 0
    assert window.current_post_id() == prepared
    assert window.preview.detail["id"] == prepared  # the pane prepared for it
    assert claim_holder(team_store, prepared) == team_store.user


def test_a_colleagues_next_post_steps_over_the_post_claimed_ahead(
    window: Any, qtbot: Any, bob: Any
) -> None:
    prepared = _prepared(window, qtbot, 2)
    rows_after = [window.model.post_id(r) for r in range(3, 8)]
    taken = claim_next(bob, rows_after)
    assert taken is not None and taken != prepared
    assert taken == window.model.post_id(4)


def test_a_post_a_colleague_holds_is_stepped_over_ahead(
    window: Any, qtbot: Any, claims_sent: list[list[int]], bob: Any
) -> None:
    assert claim(bob, window.model.post_id(3)) is None
    prepared = _prepared(window, qtbot, 2)
    assert prepared == window.model.post_id(4)
    assert _key(window, claims_sent) == 0
    assert window.current_row() == 4


def test_a_claim_ahead_too_old_to_trust_is_made_again_on_the_key(
    window: Any, qtbot: Any, claims_sent: list[list[int]]
) -> None:
    prepared = _prepared(window, qtbot, 2)
    current, post, since, session = window.claims._ahead
    window.claims._ahead = (current, post, since - OURS_TRUSTED_SECONDS - 1, session)
    assert _key(window, claims_sent) == 1
    # Still this person's (it had not expired on the server): the key lands on it again.
    assert window.current_post_id() == prepared


def test_a_claim_ahead_made_on_a_session_the_server_ended_is_made_again(
    team_store: Any, window: Any, qtbot: Any, claims_sent: list[list[int]]
) -> None:
    _prepared(window, qtbot, 2)
    end_session(team_store)  # the window's next statement takes a new session
    assert team_store.conn.reconnects == 1
    assert _key(window, claims_sent) == 1
    assert claim_holder(team_store, window.current_post_id()) == team_store.user


def test_without_advance_after_tag_nothing_is_claimed_ahead(
    team_store: Any, window: Any, qtbot: Any, claims_sent: list[list[int]]
) -> None:
    window.actions_by_id[ActionId.ADVANCE_AFTER_TAG].trigger()
    assert not window.actions_by_id[ActionId.ADVANCE_AFTER_TAG].isChecked()
    claims_sent.clear()  # the window opened on row 0 claimed row 1 ahead
    prepared = _prepared(window, qtbot, 2)
    assert prepared == window.model.post_id(3)
    assert claims_sent == []
    assert claim_holder(team_store, prepared) is None


def test_a_store_of_ones_own_claims_nothing_ahead(
    demo_store: Any, make_window: Any, qtbot: Any, claims_sent: list[list[int]]
) -> None:
    """Runs on both backends (demo_store): on SQLite, where one person works, preparing the
    next post writes no claim; on a server it claims it."""
    w = make_window(demo_store)
    prepared = _prepared(w, qtbot, 2)
    on_server = demo_store.backend == "postgresql"
    assert (claim_holder(demo_store, prepared) == demo_store.user) is on_server
    assert bool(claims_sent) is on_server


def test_when_every_post_after_is_held_the_window_asks_once_and_the_key_asks_again(
    window: Any, qtbot: Any, claims_sent: list[list[int]], bob: Any
) -> None:
    """Nothing free after the current post: the claim ahead is asked once from that post (not
    again on every scroll), and the key asks the server itself, then stays (the next row)."""
    last = window.model.rowCount() - 1
    for r in range(last - 3, last + 1):
        assert claim(bob, window.model.post_id(r)) is None
    window.select_row(last - 4)
    qtbot.waitUntil(lambda: not window.pane_schedule.pending)
    qtbot.waitUntil(lambda: window.claims._ahead_failed == window.current_post_id())
    asked = len(claims_sent)
    window._prepare_next()  # what a scroll of the queue does while the analyst reads
    window._prepare_next()
    assert len(claims_sent) == asked
    assert _key(window, claims_sent) == 1
    assert window.current_row() == last - 3
