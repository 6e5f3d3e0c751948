"""Tagging, notes, reviews and undo as analysts and supervisors use them."""

from __future__ import annotations

import json

import pytest

from triage_app.core.errors import PermissionRefused, TriageError, UsageError
from triage_app.ingest.pipeline import import_paths
from triage_app.store import open_store
from triage_app.store.audit import verify_audit
from triage_app.store.decisions import (
    apply_tags,
    claim,
    claim_holder,
    current_tags,
    review,
    set_note,
    toggle_tag,
    undo_batch,
)
from triage_app.store.users import add_user


@pytest.fixture
def store(make_store, tmp_path):
    s = make_store(user="sue")  # first user: supervisor
    path = tmp_path / "p.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "platform": "x",
                    "post_id": str(i),
                    "created_at": "2025-01-01",
                    "text": f"post {i}",
                }
            )
            + "\n"
            for i in range(1, 6)
        )
    )
    import_paths(s, [path])
    add_user(s, "ana", "analyst")
    return s


def as_user(store, name):
    return open_store(store.path, user=name)


def status(store, post_id):
    return store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,))


def test_offence_tag_makes_tagged_and_not_relevant_dismisses(store):
    ana = as_user(store, "ana")
    apply_tags(ana, [1], add=["boat_crossing"])
    apply_tags(ana, [2], add=["not_relevant"])
    apply_tags(ana, [3], add=["needs_translation"])
    assert (status(store, 1), status(store, 2), status(store, 3)) == ("tagged", "dismissed", "new")
    row = store.execute("SELECT actor, kind, tag FROM decisions WHERE post_id = 1").fetchone()
    assert row == ("ana", "tag", "boat_crossing")


def test_toggle_adds_then_removes_and_undo_redo_are_new_events(store):
    ana = as_user(store, "ana")
    batch = toggle_tag(ana, [1, 2], "fake_documents")
    assert current_tags(ana, 1) == current_tags(ana, 2) == ["fake_documents"]
    undo = undo_batch(ana, batch)
    assert current_tags(ana, 1) == [] and status(ana, 1) == "new"
    undo_batch(ana, undo)  # redo
    assert current_tags(ana, 2) == ["fake_documents"]
    toggle_tag(ana, [1, 2], "fake_documents")
    assert current_tags(ana, 1) == []
    kinds = [r[0] for r in store.execute("SELECT kind FROM decisions WHERE post_id = 1")]
    assert kinds == ["tag", "untag", "tag", "untag"]
    assert verify_audit(store.conn).ok


def test_note_and_its_undo(store):
    ana = as_user(store, "ana")
    set_note(ana, 1, "first")
    batch = set_note(ana, 1, "second")
    assert store.scalar("SELECT note FROM posts WHERE id = 1") == "second"
    undo_batch(ana, batch)
    assert store.scalar("SELECT note FROM posts WHERE id = 1") == "first"


def test_analyst_cannot_approve_and_is_told_the_role(store):
    ana = as_user(store, "ana")
    apply_tags(ana, [1], add=["boat_crossing"])
    with pytest.raises(PermissionRefused, match="needs the supervisor role"):
        review(ana, [1], "approve")
    assert status(store, 1) == "tagged"


def test_supervisor_review_rules(store):
    apply_tags(as_user(store, "ana"), [1, 2], add=["boat_crossing"])  # four eyes: ana tags
    with pytest.raises(UsageError, match="reason"):
        review(store, [2], "reject")
    with pytest.raises(TriageError, match="no offence tag"):
        review(store, [3], "approve")
    review(store, [1], "approve")
    review(store, [2], "reject", note="just a ferry timetable")
    assert (status(store, 1), status(store, 2)) == ("approved", "rejected")
    # a supervisor re-tag keeps the review's status; an analyst may not re-tag
    apply_tags(store, [1], add=["fake_documents"])
    assert status(store, 1) == "approved"
    with pytest.raises(PermissionRefused):
        apply_tags(as_user(store, "ana"), [1], add=["testimonial"])


def test_unknown_user_tag_and_post_are_refused_plainly(store):
    with pytest.raises(PermissionRefused, match="not a user of this store"):
        apply_tags(as_user(store, "mallory"), [1], add=["boat_crossing"])
    with pytest.raises(UsageError, match="Unknown tag 'boats'"):
        apply_tags(store, [1], add=["boats"])
    with pytest.raises(TriageError, match="No post with id 99"):
        apply_tags(store, [99], add=["boat_crossing"])
    assert store.scalar("SELECT count(*) FROM decisions") == 0


def test_toggle_refuses_an_unknown_post_or_tag_and_adds_where_some_lack_it(store):
    ana = as_user(store, "ana")
    with pytest.raises(TriageError, match="No post with id 99"):
        toggle_tag(ana, [1, 99], "boat_crossing")
    with pytest.raises(UsageError, match="Unknown tag 'boats'"):
        toggle_tag(ana, [1], "boats")
    with pytest.raises(UsageError, match="No posts selected"):
        toggle_tag(ana, [], "boat_crossing")
    assert store.scalar("SELECT count(*) FROM decisions") == 0  # nothing stored
    toggle_tag(ana, [1], "boat_crossing")
    toggle_tag(ana, [1, 2, 2], "boat_crossing")  # one of the two lacks it: added to both
    assert current_tags(ana, 1) == current_tags(ana, 2) == ["boat_crossing"]
    toggle_tag(ana, [2, 1], "boat_crossing")  # both have it: removed from both
    assert current_tags(ana, 1) == current_tags(ana, 2) == []


def test_claims_show_who_holds_a_post(store):
    ana = as_user(store, "ana")
    assert claim(ana, 1) is None
    assert claim(store, 1) == "ana"
    assert claim_holder(store, 1) == "ana"
