"""The supervisor's review queue: filters, groups, verdicts and the roles that guard them."""

from __future__ import annotations

import json

import pytest

from triage_app.core.errors import PermissionRefused, TriageError, UsageError
from triage_app.ingest.pipeline import import_paths
from triage_app.store import open_store
from triage_app.store.audit import verify_audit
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.review_queue import (
    ReviewFilter,
    approve_cluster,
    approve_posts,
    review_count,
    review_groups,
    review_items,
)
from triage_app.store.users import add_user


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")  # the first user is the supervisor
    add_user(s, "ana", "analyst")
    add_user(s, "bob", "analyst")
    return s


def as_user(store, name):
    return open_store(store.path, user=name)


def status(store, post_id):
    return store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,))


def test_queue_holds_tagged_posts_and_filters_by_analyst_tag_platform_cluster(store):
    x_posts = add_posts(store, 3, platform="x", cluster=7)
    tt_posts = add_posts(store, 2, platform="tiktok", seed=1)
    ana, bob = as_user(store, "ana"), as_user(store, "bob")
    apply_tags(ana, x_posts[:2], add=["boat_crossing"])
    apply_tags(ana, [x_posts[2]], add=["not_relevant"])  # dismissed: not awaiting review
    apply_tags(bob, tt_posts, add=["fake_documents"])
    items = review_items(store)
    assert {i.post_id for i in items} == {*x_posts[:2], *tt_posts}
    first = next(i for i in items if i.post_id == x_posts[0])
    assert first.analyst == "ana" and first.tags == ("boat_crossing",) and first.cluster_id == 7
    assert {i.post_id for i in review_items(store, ReviewFilter(analyst="bob"))} == set(tt_posts)
    assert {i.post_id for i in review_items(store, ReviewFilter(tag="boat_crossing"))} == set(
        x_posts[:2]
    )
    assert review_count(store, ReviewFilter(platform="tiktok")) == 2
    assert review_count(store, ReviewFilter(cluster=7)) == 2
    assert review_count(store, ReviewFilter(platform="tiktok", analyst="ana")) == 0
    assert review_groups(store, "analyst") == [("ana", 2), ("bob", 2)]
    assert review_groups(store, "platform") == [("tiktok", 2), ("x", 2)]
    assert review_groups(store, "cluster") == [("7", 2)]
    assert dict(review_groups(store, "tag")) == {"boat_crossing": 2, "fake_documents": 2}
    with pytest.raises(UsageError):
        review_groups(store, "colour")


def test_queue_from_an_imported_export(store, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "platform": "x",
                    "post_id": str(i),
                    "url": f"https://x.com/a/status/{i}",
                    "created_at": "2025-03-01T10:00:00Z",
                    "text": f"Boat to Italy, places left {i}",
                    "author_id": f"u{i}",
                    "author_handle": f"captain{i}",
                    "author_name": "Captain",
                    "language": "en",
                }
            )
            + "\n"
            for i in range(3)
        ),
        encoding="utf-8",
    )
    import_paths(store, [path])
    ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id")]
    apply_tags(as_user(store, "ana"), ids, add=["boat_crossing"])
    items = review_items(store)
    assert len(items) == 3
    assert {i.handle for i in items} == {"captain0", "captain1", "captain2"}


def test_an_analyst_cannot_approve_and_is_told_which_role_is_needed(store):
    ids = add_posts(store, 2, cluster=5)
    ana = as_user(store, "ana")
    apply_tags(ana, ids, add=["boat_crossing"])
    before = store.scalar("SELECT count(*) FROM audit")
    with pytest.raises(PermissionRefused, match="'approve' needs the supervisor role"):
        approve_posts(ana, ids)
    with pytest.raises(PermissionRefused, match="supervisor"):
        approve_cluster(ana, 5)
    assert [status(store, p) for p in ids] == ["tagged", "tagged"]
    assert store.scalar("SELECT count(*) FROM audit") == before


def test_bulk_approve_of_a_selection_and_of_a_cluster(store):
    cluster_posts = add_posts(store, 3, cluster=42)
    others = add_posts(store, 2, seed=3)
    ana = as_user(store, "ana")
    apply_tags(ana, cluster_posts + others, add=["testimonial"])
    approve_cluster(store, 42)
    assert [status(store, p) for p in cluster_posts] == ["approved"] * 3
    assert [status(store, p) for p in others] == ["tagged"] * 2
    approve_posts(store, others)
    assert [status(store, p) for p in others] == ["approved"] * 2
    approvals = store.scalar(
        "SELECT count(*) FROM decisions WHERE kind = 'approve' AND actor = 'sue'"
    )
    assert approvals == 5
    with pytest.raises(TriageError, match="no tagged posts"):
        approve_cluster(store, 42)
    assert verify_audit(store.conn).ok


def test_reject_needs_a_reason(store):
    ids = add_posts(store, 1)
    apply_tags(as_user(store, "ana"), ids, add=["recruitment"])
    from triage_app.store.decisions import review

    with pytest.raises(UsageError, match="reason"):
        review(store, ids, "reject")
    assert status(store, ids[0]) == "tagged"
    review(store, ids, "reject", "not an advert, a news report")
    assert status(store, ids[0]) == "rejected"
    assert review_items(store) == []
