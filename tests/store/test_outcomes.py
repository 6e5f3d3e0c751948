"""Outcomes of referred accounts: who may record them, which dates are accepted, the history."""

from __future__ import annotations

import datetime as dt

import pytest

from triage_app.core.errors import PermissionRefused, TriageError, UsageError
from triage_app.store import open_store
from triage_app.store.demo_history import add_posts
from triage_app.store.outcomes import (
    current_outcome,
    find_account,
    outcome_history,
    record_outcome,
)
from triage_app.store.users import add_user


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")
    add_user(s, "ana", "analyst")
    return s


def refer(store, post_id, created_at="2025-03-10T12:00:00.000000Z"):
    """A referral pack row naming the post's account (what the pack builder records)."""
    account_id = store.scalar("SELECT account_id FROM posts WHERE id = ?", (post_id,))
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES (?, 'x', '[]', ?, 'p.age', 'sue', ?, 1)",
            (f"r-{post_id}-{created_at}", "0" * 64, created_at),
        )
        conn.execute(
            "INSERT INTO referral_items VALUES (?,?,?)", (cur.lastrowid, post_id, account_id)
        )
    return account_id


def test_record_and_history_of_a_referred_account(store):
    post = add_posts(store, 1)[0]
    account_id = refer(store, post)
    handle = store.scalar("SELECT handle FROM accounts WHERE id = ?", (account_id,))
    record_outcome(store, f"x:{handle}", "still-live", "2025-03-12")
    record_outcome(store, str(account_id), "taken-down", "2025-04-01", note="gone")
    history = outcome_history(store, account_id)
    assert [(o.outcome, o.on_date, o.actor) for o in history] == [
        ("still_live", "2025-03-12", "sue"),
        ("taken_down", "2025-04-01", "sue"),
    ]
    assert current_outcome(store, account_id).outcome == "taken_down"
    rows = store.execute(
        "SELECT actor, action, object_id FROM audit WHERE action = 'outcome'"
    ).fetchall()
    assert rows == [("sue", "outcome", str(account_id))] * 2


def test_default_date_is_today(store):
    post = add_posts(store, 1)[0]
    account_id = refer(store, post)
    result = record_outcome(store, account_id, "taken_down")
    assert result.on_date == dt.datetime.now(dt.UTC).date().isoformat()


def test_analyst_is_refused_and_nothing_is_stored(store):
    account_id = refer(store, add_posts(store, 1)[0])
    ana = open_store(store.path, user="ana")
    with pytest.raises(PermissionRefused, match="'outcome' needs the supervisor role"):
        record_outcome(ana, account_id, "taken-down", "2025-03-20")
    assert store.scalar("SELECT count(*) FROM outcomes") == 0


@pytest.mark.parametrize(
    "outcome, day, error, message",
    [
        ("gone", "2025-03-20", UsageError, "'taken-down' or 'still-live'"),
        ("taken-down", "2025-02-30", UsageError, "not a real date"),
        ("taken-down", "20/03/2025", UsageError, "YYYY-MM-DD"),
        ("taken-down", "2999-01-01", UsageError, "in the future"),
        ("taken-down", "2025-03-01", UsageError, "first referred on 2025-03-10"),
    ],
)
def test_bad_input_gets_one_clear_line_and_changes_nothing(store, outcome, day, error, message):
    account_id = refer(store, add_posts(store, 1)[0])
    audit_rows = store.scalar("SELECT count(*) FROM audit")
    with pytest.raises(error, match=message):
        record_outcome(store, account_id, outcome, day)
    assert store.scalar("SELECT count(*) FROM outcomes") == 0
    assert store.scalar("SELECT count(*) FROM audit") == audit_rows


def test_unknown_or_unreferred_accounts_are_refused(store):
    post = add_posts(store, 1)[0]
    account_id = store.scalar("SELECT account_id FROM posts WHERE id = ?", (post,))
    with pytest.raises(TriageError, match="has not been referred"):
        record_outcome(store, account_id, "taken-down", "2025-03-20")
    with pytest.raises(TriageError, match="No account 'nobody'"):
        record_outcome(store, "nobody", "taken-down", "2025-03-20")


def test_a_handle_on_two_platforms_must_name_the_platform(store):
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO accounts(uuid, platform, platform_account_id, handle) "
            "VALUES ('a1', 'x', '1', 'smuggler'), ('a2', 'tiktok', '2', 'smuggler')"
        )
    with pytest.raises(UsageError, match="say platform:handle"):
        find_account(store, "@smuggler")
    assert find_account(store, "tiktok:@smuggler").platform == "tiktok"
