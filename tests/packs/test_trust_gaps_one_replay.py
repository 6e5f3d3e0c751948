"""One implementation of how a post's decisions from several stores add up (issue 12, duplicate
D6): a sync import recomputes posts with store/replay.py's replay_merged, the same function that
`audit verify` replays with, so the two can never drift apart. Checked on two real stores that
exchange real sync packs (a conflict, a note, an approval and its undo)."""

from __future__ import annotations

import inspect
from pathlib import Path

from tests.packs.sync_helpers import Field
from triage_app.packs import sync_merge
from triage_app.store import replay
from triage_app.store.decisions import apply_tags, review, set_note, undo_batch


def _state(field: Field, natural: str) -> tuple[set[str], str, str | None]:
    post = field.post_id(natural)
    tags = {
        r[0] for r in field.store.execute("SELECT tag FROM post_tags WHERE post_id = ?", (post,))
    }
    status, note = field.store.execute(
        "SELECT status, note FROM posts WHERE id = ?", (post,)
    ).fetchone()
    return tags, status, note


def _replayed(field: Field, natural: str) -> tuple[set[str], str, str | None]:
    events = field.store.execute(
        "SELECT d.uuid, d.kind, d.tag, d.note, d.actor, d.at, coalesce(o.store_id, ?) "
        "FROM decisions d LEFT JOIN decision_origin o ON o.uuid = d.uuid WHERE d.post_id = ?",
        (field.store.store_id, field.post_id(natural)),
    ).fetchall()
    state = replay.replay_merged(events, field.store.taxonomy)
    return set(state.tags), state.status, state.note


def test_the_merge_writes_what_the_shared_replay_gives(tmp_path: Path) -> None:
    a, b = Field(tmp_path, "a", "anna"), Field(tmp_path, "b", "ben")
    a.register(b)
    b.register(a)
    a.import_posts(range(1, 6))
    b.import_posts(range(1, 6))
    apply_tags(a.store, [a.post_id("p1")], add=["boat_crossing"])
    apply_tags(b.store, [b.post_id("p1")], add=["not_relevant"])  # a conflict
    apply_tags(b.store, [b.post_id("p2")], add=["fake_documents"], note="seen twice")
    set_note(b.store, b.post_id("p2"), "seen three times")
    apply_tags(b.store, [b.post_id("p3")], add=["boat_crossing"])
    review(b.store, [b.post_id("p2")], "approve")
    undo_batch(b.store, review(b.store, [b.post_id("p3")], "approve"))
    b.receive(a.export_to(b), a)
    a.receive(b.export_to(a), b)

    assert a.status("p1") == b.status("p1") == "conflict"
    assert _state(a, "p2") == ({"fake_documents"}, "approved", "seen three times")
    assert a.status("p3") == "tagged"
    for field in (a, b):
        for natural in ("p1", "p2", "p3", "p4"):
            assert _state(field, natural) == _replayed(field, natural), (field.name, natural)
        result = replay.replay_all(field.store)
        assert result.ok, [m.line() for m in result.mismatches]
        field.store.close()


def test_the_merge_has_no_rules_of_its_own() -> None:
    assert sync_merge.replay_merged is replay.replay_merged
    source = inspect.getsource(sync_merge)
    assert "status_after_tags" not in source and "last_review_at" not in source
