"""Personal signatures (issue 12): every decision and referral is signed by its author's own key,
registered in the store by a supervisor; a colleague who opens the store file with sqlite3 still
cannot forge anyone's decision unnoticed."""

from __future__ import annotations

import base64
import sqlite3
import stat
import uuid as uuidlib
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from tests.support.tamper import edit_by_hand
from triage_app.core.errors import PermissionRefused, TriageError, UsageError
from triage_app.store.connection import _split_sql, open_store
from triage_app.store.decisions import apply_tags, review, undo_batch
from triage_app.store.demo_history import add_posts, seed_history
from triage_app.store.migrations import all_migrations
from triage_app.store.personal_keys import (
    PersonalKeyUnavailable,
    decision_message,
    keyring_name,
    load_personal_key,
    registered_public_key,
    verify_signature,
    wrapped_key_path,
)
from triage_app.store.referrals import check_approvals
from triage_app.store.signature_audit import verify_signatures
from triage_app.store.users import add_user


def register(store, name: str, role: str) -> None:
    """The supervisor registers a colleague with the key from the colleague's own keyring (in
    tests all people share the in-memory keyring; on real machines the key comes in a file)."""
    add_user(store, name, role, public_key=load_personal_key(name).public_text())


@pytest.fixture
def team(make_store):
    """alice (founder, supervisor), boss (second supervisor), ana (analyst); 3 posts tagged by
    ana, post 1 approved by boss."""
    alice = make_store(user="alice")
    register(alice, "boss", "supervisor")
    register(alice, "ana", "analyst")
    ids = add_posts(alice, 3)
    ana = open_store(alice.path, user="ana")
    apply_tags(ana, ids, add=["boat_crossing"])
    ana.close()
    boss = open_store(alice.path, user="boss")
    review(boss, [ids[0]], "approve")
    boss.close()
    return alice


def colleague_sql(path: Path, script: str) -> None:
    """A colleague edits the plain store file with the sqlite3 command-line program (on a
    server: with a table owner's login), dropping the append-only triggers first, as anyone
    who can write the data can."""
    edit_by_hand(path, script, drop=("decisions_no_update", "decisions_no_delete"))


def q(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def natural(store, post: int) -> tuple[str, str]:
    return tuple(
        store.execute(
            "SELECT platform, platform_post_id FROM posts WHERE id = ?", (post,)
        ).fetchone()
    )


def problems(store) -> list[str]:
    return [p.line for p in verify_signatures(store.conn).problems]


def test_every_decision_is_signed_by_its_author_and_verifies(team):
    rows = team.execute(
        "SELECT d.uuid, p.platform, p.platform_post_id, d.kind, d.tag, d.note, d.actor, d.at, "
        "d.batch, d.undoes, d.signature FROM decisions d JOIN posts p ON p.id = d.post_id"
    ).fetchall()
    assert {r[6] for r in rows} == {"ana", "boss"} and len(rows) == 4
    for r in rows:
        message = decision_message(*r[:10])
        assert verify_signature(registered_public_key(team.conn, r[6]), message, r[10])
        other = "boss" if r[6] == "ana" else "ana"
        assert not verify_signature(registered_public_key(team.conn, other), message, r[10])
    check = verify_signatures(team.conn)
    assert check.ok and check.signed == 4 and check.legacy == 0
    check_approvals(team, [1])  # a registered supervisor's signed approval: accepted


def test_undo_and_notes_are_signed_too(team):
    ana = open_store(team.path, user="ana")
    batch = apply_tags(ana, [2], add=["fake_documents"], note="phone in bio")
    undo_batch(ana, batch)
    ana.close()
    assert verify_signatures(team.conn).ok
    assert team.scalar("SELECT count(*) FROM decisions WHERE signature IS NULL") == 0


def test_changing_the_actor_with_sqlite3_is_caught(team):
    uid = team.scalar("SELECT uuid FROM decisions WHERE kind = 'tag' AND post_id = 2")
    colleague_sql(team.path, f"UPDATE decisions SET actor = 'boss' WHERE uuid = {q(uid)};")
    found = problems(team)
    assert len(found) == 1 and uid in found[0] and "not boss's" in found[0]


def test_changing_a_tag_with_sqlite3_is_caught(team):
    uid = team.scalar("SELECT uuid FROM decisions WHERE kind = 'tag' AND post_id = 3")
    colleague_sql(team.path, f"UPDATE decisions SET tag = 'testimonial' WHERE uuid = {q(uid)};")
    assert [uid in line and "altered or forged" in line for line in problems(team)] == [True]


def test_an_inserted_approval_is_caught_and_refused_by_pack_build(team):
    """ana opens the store file and writes approvals by boss: one signed with her own key, one
    with the signature copied from boss's real approval of post 1."""
    real = team.execute(
        "SELECT signature FROM decisions WHERE kind = 'approve' AND post_id = 1"
    ).fetchone()[0]
    ana_key = load_personal_key("ana")
    at = "2026-01-01T00:00:00.000000Z"
    forged, script = {}, ""
    for post, signature in ((2, "ana"), (3, real)):
        uid = str(uuidlib.uuid4())
        if signature == "ana":
            message = decision_message(
                uid, *natural(team, post), "approve", None, None, "boss", at, "b", None
            )
            signature = ana_key.sign(message)
        script += (
            "INSERT INTO decisions(uuid, post_id, kind, actor, at, batch, signature) VALUES "
            f"({q(uid)}, {post}, 'approve', 'boss', {q(at)}, 'b', {q(signature)});\n"
            f"UPDATE posts SET status = 'approved' WHERE id = {post};\n"
        )
        forged[post] = uid
    colleague_sql(team.path, script)
    found = problems(team)
    assert len(found) == 2 and all(
        any(uid in line and "not boss's" in line for line in found) for uid in forged.values()
    )
    for post in (2, 3):
        with pytest.raises(TriageError, match=f"post {post}: its approval is not signed by boss"):
            check_approvals(team, [post])


def test_status_set_to_approved_by_hand_is_refused(team):
    colleague_sql(team.path, "UPDATE posts SET status = 'approved' WHERE id = 2;")
    with pytest.raises(TriageError) as caught:
        check_approvals(team, [1, 2])
    assert "post 2 is marked approved but no supervisor's approval decision" in str(caught.value)


def test_an_undone_approval_no_longer_counts(team):
    boss = open_store(team.path, user="boss")
    batch = review(boss, [2], "approve")
    undo_batch(boss, batch)
    boss.close()
    colleague_sql(team.path, "UPDATE posts SET status = 'approved' WHERE id = 2;")
    with pytest.raises(TriageError, match="post 2 is marked approved but no"):
        check_approvals(team, [2])


def test_a_key_written_into_users_by_hand_does_not_verify(team):
    """ana replaces boss's registered key with her own and signs an approval as boss."""
    ana_key = load_personal_key("ana")
    uid = str(uuidlib.uuid4())
    at = "2026-01-01T00:00:00.000000Z"
    signature = ana_key.sign(
        decision_message(uid, *natural(team, 2), "approve", None, None, "boss", at, "b", None)
    )
    colleague_sql(
        team.path,
        f"UPDATE users SET public_key = {q(ana_key.public_text())} WHERE name = 'boss';\n"
        "INSERT INTO decisions(uuid, post_id, kind, actor, at, batch, signature) VALUES "
        f"({q(uid)}, 2, 'approve', 'boss', {q(at)}, 'b', {q(signature)});\n"
        "UPDATE posts SET status = 'approved' WHERE id = 2;",
    )
    found = problems(team)
    assert any(line.startswith("user boss:") for line in found)
    assert any(uid in line and "registration does not verify" in line for line in found)
    with pytest.raises(TriageError, match="not by a registered supervisor"):
        check_approvals(team, [2])
    # boss's own check notices that the key registered for him is not his
    own = ("boss", load_personal_key("boss").public_text())
    assert any(p.kind == "own-key" for p in verify_signatures(team.conn, own=own).problems)


def test_a_role_raised_by_hand_does_not_make_a_supervisor(team):
    (post,) = add_posts(team, 1, seed=9)
    apply_tags(team, [post], add=["boat_crossing"])  # alice tags; ana will "approve"
    colleague_sql(team.path, "UPDATE users SET role = 'supervisor' WHERE name = 'ana';")
    ana = open_store(team.path, user="ana")
    if team.backend == "postgresql":  # a server's grant is the role: the table is not believed
        with pytest.raises(PermissionRefused, match="needs the supervisor role"):
            review(ana, [post], "approve")
        ana.close()
        assert any(line.startswith("user ana:") for line in problems(team))
        return
    review(ana, [post], "approve")  # the program now believes the role...
    ana.close()
    assert any(line.startswith("user ana:") for line in problems(team))
    with pytest.raises(TriageError, match=f"post {post}: its approval by ana is not by a regis"):
        check_approvals(team, [post])  # ...but pack build does not


def test_an_unregistered_person_cannot_sign_for_the_store(team):
    add_user(team, "dan", "supervisor")  # no key given: registered later
    dan = open_store(team.path, user="dan")
    review(dan, [2], "approve")
    dan.close()
    assert any("dan has no registered personal key" in line for line in problems(team))
    with pytest.raises(TriageError, match="post 2: its approval by dan is not by a registered"):
        check_approvals(team, [2])
    register(team, "dan", "supervisor")  # the supervisor registers dan's key: now it holds
    assert verify_signatures(team.conn).ok
    check_approvals(team, [2])


def test_users_add_refuses_a_bad_key_and_a_key_already_registered(team):
    with pytest.raises(UsageError, match="ed25519:"):
        add_user(team, "eve", "analyst", public_key="age1qqq")
    with pytest.raises(UsageError, match="32 bytes"):
        add_user(team, "eve", "analyst", public_key="ed25519:" + base64.b64encode(b"x").decode())
    with pytest.raises(TriageError, match="already registered for ana"):
        add_user(team, "eve", "analyst", public_key=registered_public_key(team.conn, "ana"))


def test_a_legacy_decision_is_reported_as_unsigned_not_forged(tmp_path):
    """A store from before migration 8: its decisions have no signature and stay valid."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in all_migrations():
        if migration.version > 7:
            break
        for statement in _split_sql(migration.sql):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 7")
    for statement in (
        "INSERT INTO meta VALUES ('store_id', 'old-store'), ('created', 'then')",
        "INSERT INTO users(name, role, added_by, added_at) "
        "VALUES ('alice', 'supervisor', 'alice', 't')",
        "INSERT INTO imports(id, uuid, path, sha256, size, format, actor, started_at) "
        "VALUES (1, 'i1', 'p', 'h', 0, 'jsonl', 'alice', 't')",
        "INSERT INTO posts(id, uuid, platform, platform_post_id, text, status, import_id, "
        "imported_at) VALUES (1, 'u1', 'x', '42', 'boat', 'tagged', 1, 't')",
        "INSERT INTO decisions(uuid, post_id, kind, tag, actor, at) "
        "VALUES ('old-1', 1, 'tag', 'boat_crossing', 'alice', '2024-01-01T00:00:00Z')",
    ):
        conn.execute(statement)
    conn.close()
    store = open_store(path, user="alice")
    check = verify_signatures(store.conn)
    assert check.ok and check.legacy == 1 and check.signed == 0
    assert registered_public_key(store.conn, "alice") is None
    apply_tags(store, [1], add=["fake_documents"])  # the founder's key is registered on first use
    check = verify_signatures(store.conn)
    assert check.ok and check.legacy == 1 and check.signed == 1
    # an unsigned decision added after the migration is a failure, not legacy
    colleague_sql(
        path,
        "INSERT INTO decisions(uuid, post_id, kind, tag, actor, at) "
        "VALUES ('new-1', 1, 'tag', 'testimonial', 'alice', '2024-01-01T00:00:00Z');",
    )
    assert problems(store) == [
        "decision new-1 (tag on post 1 by alice at 2024-01-01T00:00:00Z): unsigned"
    ]
    store.close()


def test_demo_people_are_registered_and_their_private_keys_discarded(make_store, memory_keyring):
    store = make_store(user="alice")
    seed_history(
        store,
        seed=3,
        referred={2025: 4},
        taken_down={2025: 1},
        awaiting_review=6,
        blind_per_analyst=2,
    )
    check = verify_signatures(store.conn)
    assert check.ok and check.signed > 20 and check.referrals > 0
    assert registered_public_key(store.conn, "bob") and registered_public_key(store.conn, "carol")
    names = {name for _service, name in memory_keyring.secrets}
    assert keyring_name("alice") in names
    assert keyring_name("bob") not in names and keyring_name("carol") not in names


def test_the_key_lives_in_the_os_keyring(make_store, memory_keyring):
    store = make_store(user="alice")
    entry = memory_keyring.secrets[("triage-workstation", keyring_name("alice"))]
    key = load_personal_key("alice")
    assert key.source == "keyring" and base64.b64decode(entry) == _seed(key)
    assert registered_public_key(store.conn, "alice") == key.public_text()
    assert not wrapped_key_path("alice").exists()


def test_without_a_keyring_the_key_is_wrapped_by_the_passphrase_in_the_profile(
    tmp_path, isolated_data_dir
):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(PersonalKeyUnavailable) as caught:
        load_personal_key("alice")
    assert "--key-passphrase-file" in str(caught.value) and "\n" not in str(caught.value)
    key = load_personal_key("alice", "correct horse battery staple")
    path = wrapped_key_path("alice")
    assert key.source == "passphrase" and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert isolated_data_dir not in path.parents and tmp_path / "config" in path.parents
    again = load_personal_key("alice", "correct horse battery staple")
    assert again.public_text() == key.public_text() and again.source == "passphrase"
    with pytest.raises(TriageError, match="wrong passphrase for your personal signing key"):
        load_personal_key("alice", "wrong")
    with pytest.raises(PersonalKeyUnavailable, match="protected by your passphrase"):
        load_personal_key("alice")


def _seed(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _forms(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.b64encode(secret).rstrip(b"="),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


@pytest.mark.parametrize("backend", ["keyring", "passphrase"])
def test_the_private_key_is_never_in_the_data_folder_or_the_store(
    backend, tmp_path, isolated_data_dir
):
    from triage_app.store.opening import open_for_user

    if backend == "passphrase":
        keyring.set_keyring(keyring.backends.fail.Keyring())
    store = open_for_user(
        isolated_data_dir / "store.db",
        create=True,
        user="alice",
        passphrase="pass phrase 1",
        encrypted=False,
    )
    ids = add_posts(store, 2)
    register(store, "boss", "supervisor") if backend == "keyring" else None
    apply_tags(store, ids, add=["boat_crossing"], note="seen twice")
    store.close()
    secret = _seed(load_personal_key("alice", "pass phrase 1"))
    files = [p for p in isolated_data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "store.db" for p in files)
    for path in files:
        data = path.read_bytes()
        for form in _forms(secret):
            assert form not in data, f"{path} holds the private key"


def test_registrations_rewritten_from_a_new_root_are_noticed_through_the_pinned_founder(team):
    """ana rewrites the trust itself: a new first user (rowid -1) whose self-signed registration
    is the new root, boss re-registered by it with a key ana holds, and an approval by "boss".
    Inside the store everything verifies again; the founder remembered in each person's profile
    since they first worked here does not."""
    from triage_app.store.personal_keys import (
        founder,
        generate_key,
        pinned_founder,
        registration_message,
    )

    store_id = team.store_id
    assert pinned_founder(store_id) == ("alice", registered_public_key(team.conn, "alice"))
    root, fake_boss = generate_key("mallory"), generate_key("boss")
    at = "2026-01-01T00:00:00.000000Z"
    script = ""
    for name, role, key, signer in (
        ("mallory", "supervisor", root, root),
        ("boss", "supervisor", fake_boss, root),
        ("alice", "supervisor", generate_key("alice"), root),
        ("ana", "analyst", load_personal_key("ana"), root),
    ):
        public = key.public_text()
        sig = signer.sign(registration_message(store_id, name, role, public, "mallory", at))
        if name == "mallory":
            # (a server's identity column takes a chosen value when told so)
            chosen = " OVERRIDING SYSTEM VALUE" if team.backend == "postgresql" else ""
            script += (
                f"INSERT INTO users(rowid, name, role, added_by, added_at){chosen} "
                "VALUES (-1, 'mallory', 'supervisor', 'mallory', 't');\n"
            )
        script += (
            f"UPDATE users SET public_key = {q(public)}, key_signed_by = 'mallory', "
            f"key_signed_at = {q(at)}, key_signature = {q(sig)} WHERE name = {q(name)};\n"
        )
    uid = str(uuidlib.uuid4())
    signature = fake_boss.sign(
        decision_message(uid, *natural(team, 2), "approve", None, None, "boss", at, "b", None)
    )
    script += (
        "INSERT INTO decisions(uuid, post_id, kind, actor, at, batch, signature) VALUES "
        f"({q(uid)}, 2, 'approve', 'boss', {q(at)}, 'b', {q(signature)});\n"
        "UPDATE posts SET status = 'approved' WHERE id = 2;\n"
    )
    colleague_sql(team.path, script)
    assert founder(team.conn) == "mallory"
    # the other decisions (ana's tags, boss's real approval) are still named...
    inside = verify_signatures(team.conn).problems
    assert {p.kind for p in inside} == {"decision"} and all(uid not in p.line for p in inside)
    # ...and with the founder this person's profile remembers, the rewrite itself is named
    pinned = verify_signatures(team.conn, pinned=pinned_founder(store_id)).problems
    assert any(p.kind == "founder" and "no longer alice" in p.line for p in pinned)
