"""Every kind of action leaves an audit row; the chain verifies; an edited row is found."""

from __future__ import annotations

import json

import pytest

from triage_app.ingest.pipeline import import_paths
from triage_app.store import blind_review, open_store
from triage_app.store.audit import verify_audit
from triage_app.store.audit_query import distinct_values, list_audit
from triage_app.store.decisions import apply_tags, review, set_note, undo_batch
from triage_app.store.outcomes import record_outcome
from triage_app.store.users import add_user


def tamper(store, row_id, column="actor", value="mallory"):
    """What an attacker with the file could do: drop the guard and edit a row."""
    with store.transaction() as conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute(f"UPDATE audit SET {column} = ? WHERE id = ?", (value, row_id))


@pytest.fixture
def busy_store(make_store, tmp_path):
    """A store where every kind of user action has happened once."""
    store = make_store(user="sue")
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "platform": "x",
                    "post_id": str(i),
                    "created_at": "2025-03-01T10:00:00Z",
                    "text": f"Boat to Italy {i}",
                    "author_id": f"u{i}",
                    "author_handle": f"cap{i}",
                }
            )
            + "\n"
            for i in range(1, 5)
        ),
        encoding="utf-8",
    )
    import_paths(store, [path])
    add_user(store, "ana", "analyst")
    ana = open_store(store.path, user="ana")
    apply_tags(ana, [1, 2], add=["boat_crossing"])
    apply_tags(ana, [3], add=["not_relevant"])
    batch = apply_tags(ana, [4], add=["testimonial"])
    undo_batch(ana, batch)
    set_note(ana, 1, "same phone number as last week")
    review(store, [1], "approve")
    review(store, [2], "reject", "a news report")
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r', 'x', '[]', ?, 'p.age', 'sue', "
            "'2025-03-05T00:00:00Z', 1)",
            ("0" * 64,),
        )
        conn.execute(
            "INSERT INTO referral_items SELECT ?, id, account_id FROM posts WHERE id = 1",
            (cur.lastrowid,),
        )
    record_outcome(store, "x:cap1", "taken-down", "2025-03-09")
    blind_review.sample(store, "ana", 2, seed=1)
    blind_review.record_answer(
        store, blind_review.pending_items(store)[0].post_id, ["boat_crossing"]
    )
    return store


def test_every_kind_of_action_leaves_an_audit_row_and_the_chain_verifies(busy_store):
    actions = set(distinct_values(busy_store, "action"))
    assert actions >= {
        "import",
        "user_add",
        "tag",
        "undo",
        "note",
        "approve",
        "reject",
        "outcome",
        "blind_sample",
        "blind_review",
    }
    assert set(distinct_values(busy_store, "actor")) == {"sue", "ana"}
    check = verify_audit(busy_store.conn)
    assert check.ok and check.rows == busy_store.scalar("SELECT count(*) FROM audit")


def test_listing_filters_by_actor_action_and_post(busy_store):
    ana_rows = list_audit(busy_store, actor="ana")
    assert ana_rows and {r.actor for r in ana_rows} == {"ana"}
    assert [r.id for r in ana_rows] == sorted((r.id for r in ana_rows), reverse=True)
    assert [r.action for r in list_audit(busy_store, action="reject")] == ["reject"]
    post1 = {r.action for r in list_audit(busy_store, post=1)}
    assert {"tag", "note", "approve"} <= post1
    assert "reject" not in post1
    assert list_audit(busy_store, actor="nobody") == []
    oldest = list_audit(busy_store, limit=1, newest_first=False)[0]
    assert oldest.id == 1 and oldest.as_dict()["detail"]


def test_an_edited_row_is_reported_at_that_row(busy_store):
    total = busy_store.scalar("SELECT count(*) FROM audit")
    tamper(busy_store, 5)
    check = verify_audit(busy_store.conn)
    assert not check.ok and check.first_bad_id == 5 and "content" in check.reason
    assert total >= 5


def test_the_triggers_refuse_edits_in_normal_use(busy_store):
    from triage_app.store.connection import IntegrityError

    with pytest.raises(IntegrityError, match="append-only"), busy_store.transaction() as conn:
        conn.execute("UPDATE audit SET actor = 'x' WHERE id = 1")
    with pytest.raises(IntegrityError, match="append-only"), busy_store.transaction() as conn:
        conn.execute("DELETE FROM audit WHERE id = 1")
    assert verify_audit(busy_store.conn).ok
