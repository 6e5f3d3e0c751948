"""Anchoring the audit chain: signed checkpoints at every approval batch, pack build and sync
export, kept in the store, in the person's profile and in the packs; and the replay of decisions
against the posts' tags and statuses."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from tests.packs.helpers import TAGGER, approved_store
from tests.packs.sync_helpers import Field
from tests.support.run_as import colleague, tag_as
from triage_app.core.errors import TriageError
from triage_app.packs.build import build_referral_pack
from triage_app.store.audit import audit_head, verify_audit
from triage_app.store.checkpoints import (
    Checkpoint,
    chain_state,
    check_anchor,
    checkpoint_message,
    from_json,
    latest_outside,
    outside_path,
    record_checkpoint,
    save_outside,
    sign_checkpoint,
    stored_checkpoints,
)
from triage_app.store.decisions import apply_tags, review, set_note, undo_batch
from triage_app.store.demo_history import add_posts
from triage_app.store.personal_keys import personal_key_for
from triage_app.store.replay import _replay_merged, refuse_unreplayed, replay_all, replay_events


def _drop_guards(store, *triggers: str) -> None:
    """What someone with the file can do: drop the append-only triggers."""
    with store.transaction() as conn:
        for trigger in triggers:
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def test_an_approval_batch_signs_a_checkpoint_kept_in_the_store_and_the_profile(
    make_store, tmp_path
):
    store = approved_store(make_store, tmp_path, n=4)
    [checkpoint] = stored_checkpoints(store)
    rows = store.scalar("SELECT count(*) FROM audit")
    assert checkpoint.reason == "approval batch" and checkpoint.by == "alice"
    assert (checkpoint.rows, checkpoint.head) == (rows, audit_head(store.conn))
    assert checkpoint.signed()
    # The copy outside the store: the person's profile (config) folder, not the data folder.
    path = outside_path(store.store_id)
    assert path.is_relative_to(tmp_path / "config") and not path.is_relative_to(tmp_path / "data")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    outside = latest_outside(store.store_id)
    assert outside is not None and outside.to_json() == checkpoint.to_json()
    check = check_anchor(store)
    assert check.ok and check.latest is not None and check.latest.rows == rows


def test_a_forged_or_foreign_checkpoint_is_a_problem(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=2)
    good = sign_checkpoint(store, "manual")
    tampered = Checkpoint(**{**good.__dict__, "rows": good.rows - 1, "source": "forged.json"})
    foreign = Checkpoint(**{**good.__dict__, "store_id": "another", "source": "other.json"})
    with colleague(store, "mallory", "supervisor") as other:
        # mallory signs "alice made this checkpoint" with mallory's own key
        key = personal_key_for(other)
        rows, head = chain_state(store.conn)
        message = checkpoint_message(store.store_id, rows, head, good.at, "alice", "manual")
        impostor = Checkpoint(
            store.store_id,
            rows,
            head,
            good.at,
            "alice",
            "manual",
            key.public_text(),
            key.sign(message),
            "impostor.json",
        )
    assert impostor.signed()
    when = good.at[:16].replace("T", " ")
    check = check_anchor(store, [tampered, foreign, impostor])
    assert check.problems == [
        f"The checkpoint {good.rows - 1} ({when}, by alice) from forged.json has a signature "
        "that does not verify",
        f"The checkpoint {good.rows} ({when}, by alice) from other.json is of store another, "
        f"not this store ({store.store_id})",
        f"The checkpoint {rows} ({when}, by alice) from impostor.json is signed by a key that "
        "is not alice's registered key",
    ]


def test_the_profile_copy_never_goes_back_to_fewer_rows(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=2)
    older = sign_checkpoint(store, "manual")
    add_posts(store, 2)
    newer = record_checkpoint(store, "manual")
    save_outside(older)  # e.g. a restored copy of the store checkpointed again
    outside = latest_outside(store.store_id)
    assert outside is not None and outside.rows == newer.rows > older.rows


def test_cutting_the_newest_rows_and_the_checkpoint_rows_is_caught(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=4)
    rows = store.scalar("SELECT count(*) FROM audit")
    _drop_guards(store, "audit_no_delete", "audit_checkpoints_no_delete")
    with store.transaction() as conn:
        conn.execute("DELETE FROM audit WHERE id > ?", (rows - 2,))
        conn.execute("DELETE FROM audit_checkpoints")
    assert verify_audit(store.conn).ok  # the chain alone still holds
    check = check_anchor(store)
    [problem] = check.problems
    assert problem.startswith(f"The audit chain was cut or rewritten after checkpoint {rows} (")
    assert problem.endswith(
        f"by alice): the chain has only {rows - 2} rows, not {rows} (checkpoint in your profile)"
    )


def test_a_chain_rewritten_with_recomputed_hashes_is_caught(make_store, tmp_path):
    from triage_app.store.audit import GENESIS, row_hash

    store = approved_store(make_store, tmp_path, n=4)
    _drop_guards(store, "audit_no_update")
    with store.transaction() as conn:
        prev = GENESIS
        for rid, uuid, at, actor, action, otype, oid, detail in conn.execute(
            "SELECT id, uuid, at, actor, action, object_type, object_id, detail FROM audit "
            "ORDER BY id"
        ).fetchall():
            actor = "mallory" if action == "approve" else actor
            digest = row_hash(prev, uuid, at, actor, action, otype, oid, detail)
            conn.execute(
                "UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?",
                (actor, prev, digest, rid),
            )
            prev = digest
    assert verify_audit(store.conn).ok
    problems = check_anchor(store).problems
    assert len(problems) == 1 and "has a different hash (checkpoint in the store; " in problems[0]


def test_a_referral_pack_carries_the_checkpoint_listed_in_its_sums(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=4)
    ident = x25519.Identity.generate()
    out = tmp_path / "pack.age"
    before = store.scalar("SELECT count(*) FROM audit")
    build_referral_pack(store, "facebook", out, recipients=[str(ident.to_public())])
    archive = zipfile.ZipFile(io.BytesIO(pyrage.decrypt(out.read_bytes(), [ident])))
    document = json.loads(archive.read("checkpoint.json"))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["checkpoint"] == document
    assert "checkpoint.json" in archive.read("SHA256SUMS").decode()
    carried = from_json(document, "checkpoint.json")
    assert carried.reason == "pack build" and carried.rows == before and carried.signed()
    # After the referral is recorded, the store and the profile hold a checkpoint covering it.
    latest = stored_checkpoints(store)[-1]
    assert latest.reason == "pack build" and latest.rows == store.scalar(
        "SELECT count(*) FROM audit"
    )
    check = check_anchor(store, [carried])
    assert check.ok and check.checked == 4  # approval, pack build, the profile copy, the pack's


def test_a_sync_pack_carries_the_checkpoint(tmp_path):
    a, b = Field(tmp_path, "a", "anna"), Field(tmp_path, "b", "ben")
    a.register(b)
    b.register(a)
    a.import_posts(range(1, 4))
    pack = a.export_to(b)
    ident = x25519.Identity.from_str(
        str(b.store.scalar("SELECT age_identity FROM sync_self WHERE id = 1"))
    )
    archive = zipfile.ZipFile(io.BytesIO(pyrage.decrypt(pack.read_bytes(), [ident])))
    carried = from_json(json.loads(archive.read("manifest.json")), "manifest.json")
    assert carried.reason == "sync export" and carried.by == "anna" and carried.signed()
    assert check_anchor(a.store, [carried]).ok
    b.receive(pack, a)
    for field in (a, b):
        field.store.close()


def test_every_path_of_the_program_replays_clean(make_store, tmp_path):
    """Tag, untag, undo and redo, notes, reject, undo of a review, a supervisor's re-tag and a
    referral: what the program does, replay gives back (no false alarm)."""
    store = approved_store(make_store, tmp_path, n=8, approve=3)
    ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id")]
    with colleague(store, TAGGER) as dana:
        batch = apply_tags(dana, ids[3:5], add=["testimonial", "not_relevant"])
        undo_batch(dana, batch)
        redo = undo_batch(dana, undo_batch(dana, batch))
        assert redo
        apply_tags(dana, [ids[5]], add=["not_relevant"])
        apply_tags(dana, [ids[6]], add=["boat_crossing"])
        apply_tags(dana, [ids[6]], remove=["boat_crossing"], add=["escalate"])
        set_note(dana, ids[6], "same phone as the others")
        apply_tags(dana, [ids[7]], add=["fake_documents"])
    tag_as(store, TAGGER, [ids[4]], ["boat_crossing"])
    review(store, [ids[7]], "reject", "a news report")
    verdict = review(store, [ids[4]], "approve")
    undo_batch(store, verdict)
    apply_tags(store, [ids[0]], add=["escalate"])  # a supervisor re-tags an approved post
    ident = x25519.Identity.generate()
    build_referral_pack(store, "facebook", tmp_path / "p.age", recipients=[str(ident.to_public())])
    statuses = dict(store.execute("SELECT id, status FROM posts").fetchall())
    assert [statuses[i] for i in ids] == [
        "referred",
        "referred",
        "referred",
        "tagged",
        "tagged",
        "dismissed",
        "new",
        "rejected",
    ]
    result = replay_all(store)
    assert result.ok, [m.line() for m in result.mismatches]
    assert result.posts == 8 and result.decisions == store.scalar("SELECT count(*) FROM decisions")


def test_merged_stores_replay_clean(tmp_path):
    """Decisions from other stores are replayed as the merge replays them (conflicts too)."""
    a, b = Field(tmp_path, "a", "anna"), Field(tmp_path, "b", "ben")
    a.register(b)
    b.register(a)
    a.import_posts(range(1, 6))
    b.import_posts(range(3, 8))
    apply_tags(a.store, [a.post_id("p3")], add=["boat_crossing"])
    apply_tags(b.store, [b.post_id("p3")], add=["not_relevant"])  # a conflict
    apply_tags(b.store, [b.post_id("p4")], add=["fake_documents"])
    review(b.store, [b.post_id("p4")], "approve")
    b.receive(a.export_to(b), a)
    a.receive(b.export_to(a), b)
    assert a.status("p3") == b.status("p3") == "conflict"
    assert a.status("p4") == "approved"
    # A's supervisor resolves the conflict, then re-tags the approved post: the window keeps
    # "approved", though the merge's rules alone would say "conflict" again.
    review(a.store, [a.post_id("p3")], "approve")
    apply_tags(a.store, [a.post_id("p3")], add=["escalate"])
    assert a.status("p3") == "approved"
    events = a.store.execute(
        "SELECT d.uuid, d.kind, d.tag, d.at, o.store_id FROM decisions d LEFT JOIN "
        "decision_origin o ON o.uuid = d.uuid WHERE d.post_id = ? ORDER BY d.id",
        (a.post_id("p3"),),
    ).fetchall()
    assert _replay_merged(events, a.store.taxonomy, a.store.store_id)[1] == "conflict"
    assert replay_events(events, a.store.taxonomy, a.store.store_id)[1] == "approved"
    for field in (a, b):
        result = replay_all(field.store)
        assert result.ok, [m.line() for m in result.mismatches]
        field.store.close()


def test_replay_names_every_post_changed_by_hand_and_pack_build_refuses(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=6, approve=2)
    ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id")]
    natural = dict(store.execute("SELECT id, platform_post_id FROM posts").fetchall())
    with store.transaction() as conn:
        conn.execute("UPDATE posts SET status = 'approved' WHERE id = ?", (ids[3],))
        conn.execute("UPDATE posts SET status = 'referred' WHERE id = ?", (ids[4],))
        conn.execute("DELETE FROM post_tags WHERE post_id = ?", (ids[0],))
    lines = [m.line() for m in replay_all(store).mismatches]
    assert lines == [
        f"post {ids[0]} (facebook:{natural[ids[0]]}): tags no tags but its decisions give "
        "boat_crossing",
        f"post {ids[3]} (facebook:{natural[ids[3]]}): status approved but its decisions give new",
        f"post {ids[4]} (facebook:{natural[ids[4]]}): status referred but its decisions give new",
    ]
    with pytest.raises(TriageError) as refused:
        refuse_unreplayed(store, [ids[1], ids[3]])
    assert str(refused.value) == (
        f"Refusing to build the pack: post {ids[3]} (facebook:{natural[ids[3]]}): status "
        "approved but its decisions give new; the store was changed outside the program (see "
        "'triage audit verify')"
    )
    refuse_unreplayed(store, [ids[1]])  # an untouched approved post goes
    out = tmp_path / "p.age"
    ident = x25519.Identity.generate()
    with pytest.raises(TriageError, match="Refusing to build the pack"):
        build_referral_pack(
            store, "facebook", out, recipients=[str(ident.to_public())], post_ids=[ids[0]]
        )
    assert not out.exists() and not list(Path(tmp_path).glob("*.age"))


def test_a_dropped_checkpoint_table_is_named(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=2)
    with store.transaction() as conn:
        conn.execute("DROP TABLE audit_checkpoints")
    check = check_anchor(store)
    assert check.problems == ["The store's table of audit checkpoints is missing"]
    assert check.latest is not None and check.latest.source == "profile"
