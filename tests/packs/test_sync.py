"""Sync packs between field stores: identical results in any order, conflicts to the supervisor,
and refused packs that merge nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.packs.sync_helpers import Field, snapshot
from triage_app.core.errors import TriageError
from triage_app.packs import signing
from triage_app.packs.crypto import encrypt_file
from triage_app.packs.sync_audit import verify_peer_chains
from triage_app.packs.sync_format import SyncPackError, write_pack_zip
from triage_app.store.audit import verify_audit
from triage_app.store.decisions import apply_tags, review, set_note
from triage_app.store.opening import open_for_user


def _work(a: Field, b: Field, c: Field) -> None:
    """Overlapping imports and each analyst's own decisions."""
    a.import_posts(range(1, 13))
    b.import_posts(range(8, 20))
    c.import_posts(range(16, 25))
    apply_tags(a.store, [a.post_id("p1")], add=["boat_crossing"])
    apply_tags(a.store, [a.post_id("p9")], add=["boat_crossing"])  # B disagrees below
    apply_tags(a.store, [a.post_id("p11")], add=["transport_offer"])  # B agrees below
    apply_tags(b.store, [b.post_id("p9")], add=["not_relevant"])
    apply_tags(b.store, [b.post_id("p11")], add=["transport_offer"])
    apply_tags(b.store, [b.post_id("p10")], add=["fake_documents"], note="passport photos")
    review(b.store, [b.post_id("p10")], "approve")
    apply_tags(c.store, [c.post_id("p17")], add=["referral_prize"])
    set_note(c.store, c.post_id("p18"), "same phone as p17")
    apply_tags(c.store, [c.post_id("p20")], add=["testimonial", "escalate"])
    apply_tags(c.store, [c.post_id("p20")], remove=["escalate"])
    # An outcome (normally recorded after a referral, which is not part of this test).
    with c.store.transaction() as conn:
        conn.execute(
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at) VALUES "
            "('7d1f0b7e-0000-4000-8000-000000000001', (SELECT id FROM accounts LIMIT 1), "
            "'taken_down', '2025-05-01', 'cara', '2025-05-01T09:00:00.000000Z')"
        )


@pytest.fixture
def fields(tmp_path: Path) -> tuple[Field, Field, Field]:
    a, b, c = (
        Field(tmp_path, "a", "anna"),
        Field(tmp_path, "b", "ben"),
        Field(tmp_path, "c", "cara"),
    )
    for f in (a, b, c):  # each supervisor registers the other stores' people and keys
        f.register(*(g for g in (a, b, c) if g is not f))
    _work(a, b, c)
    yield a, b, c
    for f in (a, b, c):
        f.store.close()


def _round(a: Field, b: Field, c: Field, orders: dict[str, list[str]]) -> None:
    """Every store exports to both others, then imports in the order given."""
    by_name = {"a": a, "b": b, "c": c}
    packs = {(s.name, r.name): s.export_to(r) for s in (a, b, c) for r in (a, b, c) if s is not r}
    for receiver, senders in orders.items():
        for sender in senders:
            by_name[receiver].receive(packs[(sender, receiver)], by_name[sender])


def test_three_stores_in_different_orders_end_identical(fields) -> None:
    a, b, c = fields
    _round(a, b, c, {"a": ["c", "b"], "b": ["a", "c"], "c": ["b", "a"]})
    _round(a, b, c, {"a": ["b", "c"], "b": ["c", "a"], "c": ["a", "b"]})
    snaps = [snapshot(f.store) for f in (a, b, c)]
    assert snaps[0] == snaps[1] == snaps[2]
    s = snaps[0]
    assert len(s["posts"]) == 24  # p1..p24, the overlaps merged by natural key
    assert len(s["outcomes"]) == 1 and len(s["media"]) == 6
    assert len({d[0] for d in s["decisions"]}) == len(s["decisions"])
    for f in (a, b, c):
        assert f.status("p9") == "conflict"  # tagged differently in A and B
        assert f.status("p11") == "tagged"  # the same tag in A and B is no conflict
        assert f.status("p10") == "approved"
        assert f.status("p17") == "tagged"
        assert (
            f.store.scalar("SELECT note FROM posts WHERE platform_post_id = 'p18'")
            == "same phone as p17"
        )
        tags = f.store.execute(
            "SELECT tag FROM post_tags WHERE post_id = ? ORDER BY tag", (f.post_id("p20"),)
        ).fetchall()
        assert tags == [("testimonial",)]
        assert verify_audit(f.store.conn).ok
        chains = verify_peer_chains(f.store.conn)
        assert len(chains) == 2 and all(ch.ok and ch.gaps == 0 for ch in chains), chains
        # Media files travelled with their rows and keep their hashes.
        stored = f.store.execute(
            "SELECT count(*) FROM media WHERE stored_path IS NOT NULL"
        ).fetchone()[0]
        assert stored == 6


def test_conflict_reaches_supervisor_and_review_resolves_it_everywhere(fields) -> None:
    a, b, c = fields
    _round(a, b, c, {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"]})
    assert a.status("p9") == b.status("p9") == "conflict"
    # The supervisor queue is the posts in conflict (and tagged ones) for review.
    conflicted = a.store.execute(
        "SELECT platform_post_id FROM posts WHERE status = 'conflict'"
    ).fetchall()
    assert conflicted == [("p9",)]
    review(a.store, [a.post_id("p9")], "approve")
    _round(a, b, c, {"a": ["c", "b"], "b": ["c", "a"], "c": ["b", "a"]})
    assert a.status("p9") == b.status("p9") == c.status("p9") == "approved"
    assert snapshot(a.store) == snapshot(b.store) == snapshot(c.store)


def test_import_order_does_not_matter_and_twice_changes_nothing(tmp_path: Path, fields) -> None:
    a, b, c = fields
    # Two copies of a fresh store D (same id and sync key) receive the same packs in both orders.
    d = Field(tmp_path, "d", "dana")
    d.register(a, b, c)
    d.store.close()
    shutil.copytree(d.folder, tmp_path / "d2")
    pack_a, pack_b, pack_c = a.export_to(d), b.export_to(d), c.export_to(d)
    first = open_for_user(d.folder / "store.db", user="dana")
    second = open_for_user(tmp_path / "d2" / "store.db", user="dana")
    try:
        from triage_app.packs.sync import import_sync_pack

        for pack, sender in ((pack_a, a), (pack_b, b), (pack_c, c)):
            import_sync_pack(first, pack, sender.signer)
        for pack, sender in ((pack_c, c), (pack_b, b), (pack_a, a)):
            import_sync_pack(second, pack, sender.signer)
        assert snapshot(first) == snapshot(second)
        assert first.scalar("SELECT status FROM posts WHERE platform_post_id = 'p9'") == "conflict"

        before = snapshot(first)
        audit_rows = first.scalar("SELECT count(*) FROM audit")
        again = import_sync_pack(first, pack_b, b.signer)
        assert again.already
        assert snapshot(first) == before
        assert first.scalar("SELECT count(*) FROM audit") == audit_rows
    finally:
        first.close()
        second.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".sync"))


def test_tampered_pack_is_refused_with_nothing_merged(fields) -> None:
    a, b, _c = fields
    pack = a.export_to(b)
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 0x01
    pack.write_bytes(bytes(data))
    before = snapshot(b.store)
    with pytest.raises(TriageError, match="signature does not match"):
        b.receive(pack, a)
    assert snapshot(b.store) == before
    assert _leftovers(b.folder) == []


def test_wrong_signer_is_refused_with_nothing_merged(fields) -> None:
    a, b, c = fields
    pack = a.export_to(b)
    before = snapshot(b.store)
    with pytest.raises(TriageError, match="not by the signer key given"):
        b.receive(pack, c)  # C's key does not vouch for A's pack
    assert snapshot(b.store) == before
    # With the right signer it merges.
    b.receive(pack, a)
    assert snapshot(b.store) != before


def test_signed_but_broken_pack_merges_nothing(fields, tmp_path: Path) -> None:
    """A pack whose last row is bad: the rows before it are rolled back too."""
    a, b, _c = fields
    rows = {
        "accounts": [
            {
                "uuid": "11111111-1111-4111-8111-111111111111",
                "platform": "x",
                "platform_account_id": "new-account",
                "handle": "newcomer",
            }
        ],
        "posts": [],
        "media": [],
        "outcomes": [],
        "audit": [],
        "decisions": [
            {
                "uuid": "22222222-2222-4222-8222-222222222222",
                "post": "nowhere",
                "kind": "tag",
                "tag": "boat_crossing",
                "actor": "anna",
                "at": "2025-05-01T00:00:00.000000Z",
                "origin": a.store.store_id,
            }
        ],
    }
    manifest = {
        "pack_id": "33333333-3333-4333-8333-333333333333",
        "from_store": a.store.store_id,
        "from_recipient": a.recipient,
        "created": "2025-05-01T00:00:00.000000Z",
    }
    plain = tmp_path / "broken.zip"
    write_pack_zip(plain, manifest, rows, {})
    pack = tmp_path / "broken.age"
    encrypt_file(plain, pack, recipients=[b.recipient])
    signing.sign_file(a.store.store_id, pack, tmp_path / "broken.age.minisig", "test")
    before = snapshot(b.store)
    with pytest.raises(SyncPackError, match="names a post the pack does not carry"):
        b.receive(pack, a)
    assert snapshot(b.store) == before
    assert b.store.scalar("SELECT count(*) FROM sync_imports") == 0


def test_export_refuses_existing_file_and_own_key(fields) -> None:
    a, b, _c = fields
    pack = a.export_to(b)
    from triage_app.packs.sync import export_sync_pack

    with pytest.raises(TriageError, match="already exists"):
        export_sync_pack(a.store, b.recipient, pack)
    with pytest.raises(TriageError, match="own sync key"):
        export_sync_pack(a.store, a.recipient, pack.with_name("self.age"))
    assert _leftovers(a.folder) == []


def test_pack_for_another_peer_cannot_be_opened(fields) -> None:
    a, b, c = fields
    pack = a.export_to(b)
    before = snapshot(c.store)
    with pytest.raises(TriageError) as caught:
        c.receive(pack, a)  # signed by A, but encrypted to B only
    assert "\n" not in str(caught.value)
    assert snapshot(c.store) == before
    assert _leftovers(c.folder) == []
