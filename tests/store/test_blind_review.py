"""Blind second review: sampling (dismissals included), hidden first tags, kappa, disagreements."""

from __future__ import annotations

import dataclasses
import json

import pytest

from triage_app.core.errors import PermissionRefused, TriageError, UsageError
from triage_app.store import blind_review
from triage_app.store.audit import verify_audit
from triage_app.store.connection import IntegrityError, open_store
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.users import add_user


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")
    add_user(s, "ana", "analyst")
    add_user(s, "bob", "analyst")
    return s


def as_user(store, name):
    return open_store(store.path, user=name)


def test_sample_includes_dismissed_decisions_and_only_that_analysts(store):
    ids = add_posts(store, 6)
    ana, bob = as_user(store, "ana"), as_user(store, "bob")
    apply_tags(ana, ids[:2], add=["boat_crossing"])
    apply_tags(ana, ids[2:4], add=["not_relevant"])
    apply_tags(bob, ids[4:], add=["fake_documents"])
    chosen = blind_review.sample(store, "ana", 10, seed=1)
    assert chosen == ids[:4]
    firsts = dict(store.execute("SELECT post_id, first_tags FROM blind_reviews").fetchall())
    assert json.loads(firsts[ids[2]]) == ["not_relevant"]
    # Sampling again finds nothing new for the same reviewer.
    with pytest.raises(TriageError, match="no decisions left"):
        blind_review.sample(store, "ana", 5)


def test_first_tags_are_replayed_from_the_analysts_own_decisions(store):
    ids = add_posts(store, 1)
    ana = as_user(store, "ana")
    apply_tags(ana, ids, add=["boat_crossing", "testimonial"])
    apply_tags(ana, ids, remove=["testimonial"])
    apply_tags(store, ids, add=["recruitment"])  # the supervisor's tag is not the analyst's
    blind_review.sample(store, "ana", 1, reviewer="bob")
    assert json.loads(store.scalar("SELECT first_tags FROM blind_reviews")) == ["boat_crossing"]


def test_the_reviewer_sees_the_post_but_not_the_first_tags(store):
    ids = add_posts(store, 2)
    apply_tags(as_user(store, "ana"), ids, add=["money_transfer"])
    blind_review.sample(store, "ana", 2, reviewer="bob", seed=3)
    bob = as_user(store, "bob")
    items = blind_review.pending_items(bob)
    assert [i.post_id for i in items] == ids
    fields = {f.name for f in dataclasses.fields(blind_review.BlindItem)}
    assert not fields & {"first_tags", "tags", "status", "analyst"}
    for item in items:
        assert "money_transfer" not in json.dumps(dataclasses.asdict(item))
    assert blind_review.pending_items(store) == []  # sue is not the reviewer
    first, second = blind_review.record_answer(bob, ids[0], ["money_transfer"])
    assert (first, second) == (["money_transfer"], ["money_transfer"])
    assert [i.post_id for i in blind_review.pending_items(bob)] == [ids[1]]
    # The post's own tags are untouched by the second review.
    assert store.scalar("SELECT count(*) FROM post_tags WHERE post_id = ?", (ids[0],)) == 1


def test_an_answer_cannot_be_given_twice_or_changed(store):
    ids = add_posts(store, 1)
    apply_tags(as_user(store, "ana"), ids, add=["testimonial"])
    blind_review.sample(store, "ana", 1)
    blind_review.record_answer(store, ids[0], ["testimonial"])
    with pytest.raises(TriageError, match="not waiting for a blind review"):
        blind_review.record_answer(store, ids[0], ["not_relevant"])
    with pytest.raises(IntegrityError, match="cannot be changed"), store.transaction() as conn:
        conn.execute("UPDATE blind_reviews SET second_tags = '[]'")


def test_who_may_sample_and_bad_input(store):
    ids = add_posts(store, 2)
    apply_tags(as_user(store, "ana"), ids, add=["testimonial"])
    with pytest.raises(PermissionRefused, match="'blind sample' needs the supervisor role"):
        blind_review.sample(as_user(store, "bob"), "ana", 1)
    with pytest.raises(UsageError, match="someone other than the analyst"):
        blind_review.sample(store, "ana", 1, reviewer="ana")
    with pytest.raises(UsageError, match="1 to 1000"):
        blind_review.sample(store, "ana", 0)
    with pytest.raises(TriageError, match="'zed' is not a user"):
        blind_review.sample(store, "zed", 1)
    blind_review.sample(store, "ana", 1)
    with pytest.raises(UsageError, match="Unknown tag 'boats'"):
        blind_review.record_answer(store, ids[0], ["boats"])
    with pytest.raises(UsageError, match="at least one tag"):
        blind_review.record_answer(store, ids[0], [])
    assert store.scalar("SELECT count(*) FROM blind_reviews WHERE second_tags IS NOT NULL") == 0


def test_agreement_per_analyst_and_tag_matches_a_hand_computed_example(store):
    # ana's first tags vs sue's blind answers on four posts:
    #   boat | boat ; boat | not_relevant ; not_relevant | not_relevant ; not_relevant | boat
    # relevance: po = 2/4, each says offence 2/4 -> pe = .5 -> kappa 0
    # bob: docs | docs ; not_relevant | not_relevant -> relevance kappa 1
    ids = add_posts(store, 6)
    ana, bob = as_user(store, "ana"), as_user(store, "bob")
    apply_tags(ana, ids[0:2], add=["boat_crossing"])
    apply_tags(ana, ids[2:4], add=["not_relevant"])
    apply_tags(bob, [ids[4]], add=["fake_documents"])
    apply_tags(bob, [ids[5]], add=["not_relevant"])
    blind_review.sample(store, "ana", 4)
    blind_review.sample(store, "bob", 2)
    answers = {
        ids[0]: ["boat_crossing"],
        ids[1]: ["not_relevant"],
        ids[2]: ["not_relevant"],
        ids[3]: ["boat_crossing"],
        ids[4]: ["fake_documents"],
        ids[5]: ["not_relevant"],
    }
    for post_id, tags in answers.items():
        blind_review.record_answer(store, post_id, tags)
    report = blind_review.agreement_report(store)
    assert report["answered"] == 6 and report["pending"] == 0
    a = report["by_analyst"]["ana"]
    assert a["n"] == 4 and a["exact_agreements"] == 2
    assert a["relevance"] == {
        "n": 4,
        "agreements": 2,
        "observed": 0.5,
        "expected": 0.5,
        "kappa": 0.0,
    }
    assert report["by_analyst"]["bob"]["relevance"]["kappa"] == 1.0
    # overall relevance over six: po = 4/6; offence first 3/6, second 3/6 -> pe .5
    # kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert report["overall"]["relevance"]["kappa"] == pytest.approx(1 / 3, abs=1e-4)
    listed = blind_review.disagreements(store)
    assert [(d.post_id, d.first, d.second) for d in listed] == [
        (ids[1], ("boat_crossing",), ("not_relevant",)),
        (ids[3], ("not_relevant",), ("boat_crossing",)),
    ]
    assert blind_review.disagreements(store, "bob") == []
    actions = [r[0] for r in store.execute("SELECT action FROM audit WHERE action LIKE 'blind%'")]
    assert actions.count("blind_sample") == 2 and actions.count("blind_review") == 6
    assert verify_audit(store.conn).ok
