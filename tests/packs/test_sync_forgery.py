"""Forged sync packs (issue 12): a pack is believed only from the store whose key signed it, and
a decision only from a person this store knows, with the role it needs, under their own
signature, with its audit row. Anything else refuses the whole pack in one line and changes
nothing.

The attacker controls a store (C, carl) and its signing key, and an analyst's personal key
(carl's), but not the victim's (A) nor another peer's (B) keys. Packs are forged as such an
attacker would: a real pack is decrypted (here with A's identity, standing in for the plaintext
the attacker wrote himself), unzipped, edited, zipped again with a matching manifest, encrypted
to A with the real `age` and signed with C's key (or a fresh key from the real `minisign`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid as uuidlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.packs.sync_helpers import Field, snapshot
from triage_app.core.errors import TriageError
from triage_app.packs import signing
from triage_app.packs.sync import _identity, import_sync_pack
from triage_app.packs.sync_trust import register_peer
from triage_app.store.audit import row_hash, verify_audit
from triage_app.store.decisions import apply_tags, review
from triage_app.store.personal_keys import decision_message, generate_key, personal_key_for
from triage_app.store.users import add_user

AGE = shutil.which("age")
MINISIGN = shutil.which("minisign")
pytestmark = pytest.mark.usefixtures("age_installed", "minisign_installed")


# -- forging -----------------------------------------------------------------------------------


@dataclass
class Opened:
    """A sync pack's plaintext, to edit: manifest, rows by section, other entries (media)."""

    manifest: dict[str, Any]
    sections: dict[str, list[dict[str, Any]]]
    media: dict[str, bytes]


def unpack(pack: Path, receiver: Field, work: Path) -> Opened:
    work.mkdir(parents=True, exist_ok=True)
    identity = work / "identity.txt"
    identity.write_text(str(_identity(receiver.store)) + "\n")
    os.chmod(identity, 0o600)
    plain = work / "plain.zip"
    subprocess.run([AGE, "-d", "-i", str(identity), "-o", str(plain), str(pack)], check=True)
    identity.unlink()
    with zipfile.ZipFile(plain) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        entries = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    plain.unlink()
    sections = {
        n.removesuffix(".jsonl"): [json.loads(line) for line in v.decode().splitlines() if line]
        for n, v in entries.items()
        if n.endswith(".jsonl")
    }
    media = {n: v for n, v in entries.items() if n.startswith("media/")}
    return Opened(manifest, sections, media)


Signer = Callable[[Path, Path], None]


def store_signer(field: Field) -> Signer:
    """Sign with ``field``'s own pack signing key (the attacker controls store C)."""

    def sign(path: Path, signature: Path) -> None:
        signing.sign_file(field.store, path, signature, signing.now_comment(kind="triage-sync"))

    return sign


def minisign_signer(folder: Path) -> tuple[Signer, Path]:
    """A fresh key made by the real minisign (an outsider's key) and its public key file."""
    folder.mkdir(parents=True, exist_ok=True)
    secret, public = folder / "outsider.key", folder / "outsider.pub"
    subprocess.run(
        [MINISIGN, "-G", "-W", "-s", str(secret), "-p", str(public)],
        check=True,
        capture_output=True,
    )

    def sign(path: Path, signature: Path) -> None:
        subprocess.run(
            [MINISIGN, "-S", "-s", str(secret), "-m", str(path), "-x", str(signature)],
            check=True,
            capture_output=True,
        )

    return sign, public


def seal(opened: Opened, receiver: Field, out: Path, sign: Signer) -> Path:
    """Zip (with a manifest that matches every entry), encrypt to ``receiver``, sign."""
    files: dict[str, bytes] = {
        f"{name}.jsonl": b"".join(json.dumps(row, sort_keys=True).encode() + b"\n" for row in rows)
        for name, rows in opened.sections.items()
    }
    files.update(opened.media)
    manifest = dict(opened.manifest)
    manifest["pack_id"] = str(uuidlib.uuid4())
    manifest["counts"] = {name: len(rows) for name, rows in opened.sections.items()}
    manifest["files"] = [
        {"name": n, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()}
        for n, v in files.items()
    ]
    plain = out.with_name(out.name + ".zip")
    with zipfile.ZipFile(plain, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest))
    subprocess.run([AGE, "-r", receiver.recipient, "-o", str(out), str(plain)], check=True)
    plain.unlink()
    sign(out, out.with_name(out.name + ".minisig"))
    return out


def post_uuid(opened: Opened, natural: str) -> str:
    return next(p["uuid"] for p in opened.sections["posts"] if p["platform_post_id"] == natural)


def forged_decision(
    opened: Opened,
    *,
    natural: str,
    kind: str,
    actor: str,
    origin: str,
    signed_by: Any | None,
    tag: str | None = None,
    audit: bool = True,
    audit_actor: str | None = None,
    at: str = "2026-01-05T10:00:00.000000Z",
) -> dict[str, Any]:
    """Add a decision (signed by the PersonalKey ``signed_by``) and, unless ``audit`` is False, a
    self-consistent audit row for it at the end of ``origin``'s chain in the pack."""
    batch = str(uuidlib.uuid4())
    row: dict[str, Any] = {
        "uuid": str(uuidlib.uuid4()),
        "post": post_uuid(opened, natural),
        "kind": kind,
        "tag": tag,
        "note": None,
        "actor": actor,
        "at": at,
        "workstation": "forged",
        "batch": batch,
        "undoes": None,
        "origin": origin,
    }
    if signed_by is not None:
        row["signature"] = signed_by.sign(
            decision_message(
                row["uuid"], "facebook", natural, kind, tag, None, actor, at, batch, None
            )
        )
    opened.sections["decisions"].append(row)
    if audit:
        chain = [r for r in opened.sections["audit"] if r["origin"] == origin]
        last = max(chain, key=lambda r: r["seq"]) if chain else None
        uid = str(uuidlib.uuid4())
        detail = json.dumps({"batch": batch, "posts": 1}, sort_keys=True, separators=(",", ":"))
        prev = last["hash"] if last else "0" * 64
        who = audit_actor or actor
        action = kind if kind in ("approve", "reject") else "tag"
        opened.sections["audit"].append(
            {
                "uuid": uid,
                "origin": origin,
                "seq": (last["seq"] + 1) if last else 1,
                "at": at,
                "actor": who,
                "action": action,
                "object_type": "posts",
                "object_id": "1",
                "detail": detail,
                "prev_hash": prev,
                "hash": row_hash(prev, uid, at, who, action, "posts", "1", detail),
            }
        )
    return row


# -- the stores --------------------------------------------------------------------------------


def state(store: Any) -> dict[str, Any]:
    """Everything a refused pack must leave as it was, row counts of every table sync touches
    included, and whether the audit chain still holds."""
    tables = (
        "posts",
        "accounts",
        "media",
        "decisions",
        "decision_origin",
        "post_tags",
        "outcomes",
        "audit",
        "peer_audit",
        "peers",
        "sync_seen",
        "sync_imports",
        "imports",
        "users",
    )
    counts = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in tables}
    peers = store.execute("SELECT * FROM peers ORDER BY recipient").fetchall()
    return {
        "counts": counts,
        "peers": peers,
        "snapshot": snapshot(store),
        "audit_ok": verify_audit(store.conn).ok,
    }


@dataclass
class World:
    a: Field  # the victim: imports packs
    b: Field  # an honest peer (ben, a supervisor)
    c: Field  # the attacker's store (carl); A knows carl as an analyst
    tmp: Path
    b_pack: Path  # B's genuine pack to A
    c_pack: Path  # C's genuine pack to A


@pytest.fixture
def world(tmp_path: Path) -> World:
    a, b, c = (
        Field(tmp_path, "a", "anna"),
        Field(tmp_path, "b", "ben"),
        Field(tmp_path, "c", "carl"),
    )
    a.register(b)  # ben: supervisor
    a.register(c, role="analyst")  # carl: analyst
    b.register(a, c)
    c.register(a, b)
    for f in (a, b, c):
        f.import_posts(range(1, 9))
    apply_tags(c.store, [c.post_id("p2")], add=["boat_crossing"])
    apply_tags(b.store, [b.post_id("p3")], add=["boat_crossing"])
    review(b.store, [b.post_id("p3")], "approve")
    w = World(a, b, c, tmp_path, b.export_to(a), c.export_to(a))
    yield w
    for f in (a, b, c):
        f.store.close()


def known_peers(w: World) -> None:
    """A has imported genuine packs from B and C: their keys are trusted for them."""
    w.a.receive(w.b_pack, w.b)
    w.a.receive(w.c_pack, w.c)


def refused(w: World, pack: Path, signer: Path, match: str) -> str:
    """Import ``pack`` into A: must be refused with one line matching ``match``, A unchanged."""
    before = state(w.a.store)
    with pytest.raises(TriageError, match=match) as caught:
        import_sync_pack(w.a.store, pack, signer)
    message = str(caught.value)
    assert "\n" not in message and message.endswith("the pack is refused"), message
    assert state(w.a.store) == before
    assert not [p for p in w.a.folder.iterdir() if p.name.startswith(".sync")]
    return message


def carl_pack(w: World, name: str) -> Opened:
    """C's next genuine pack to A, opened: carl's tag on p2 (and C's audit chain)."""
    return unpack(w.c_pack, w.a, w.tmp / name)


# -- (a) the manifest's store must be the signer ----------------------------------------------


def test_pack_signed_by_store_c_claiming_store_b_is_refused(world: World) -> None:
    w = world
    known_peers(w)
    opened = carl_pack(w, "a1")
    opened.manifest["from_store"] = w.b.store.store_id
    opened.manifest["from_recipient"] = w.b.recipient
    pack = seal(opened, w.a, w.tmp / "a1.age", store_signer(w.c))
    message = refused(w, pack, w.c.signer, "signed with the key of store")
    assert w.b.store.store_id in message and w.c.store.store_id in message


def test_pack_claiming_a_known_store_signed_by_another_key_is_refused(world: World) -> None:
    w = world
    known_peers(w)
    opened = carl_pack(w, "a2")
    opened.manifest["from_store"] = w.b.store.store_id
    opened.manifest["from_recipient"] = w.b.recipient
    sign, public = minisign_signer(w.tmp / "outsider")
    pack = seal(opened, w.a, w.tmp / "a2.age", sign)
    refused(w, pack, public, "whose signing key here is")


def test_a_store_registered_before_its_first_pack_cannot_be_impersonated(world: World) -> None:
    """No first use to exploit: A's supervisor registered B's key and sync key beforehand."""
    w = world
    b_key = signing.load_public_key(w.b.signer)
    register_peer(
        w.a.store,
        store_id=w.b.store.store_id,
        recipient=w.b.recipient,
        key_id=signing.key_id_hex(b_key),
        public_key=b_key.to_base64().decode("ascii"),
    )
    opened = unpack(w.b_pack, w.a, w.tmp / "a3")
    sign, public = minisign_signer(w.tmp / "outsider")
    pack = seal(opened, w.a, w.tmp / "a3.age", sign)
    refused(w, pack, public, "whose signing key here is")
    assert w.a.receive(w.b_pack, w.b).added["decisions"] == 2  # the genuine pack still merges


def test_first_use_is_recorded_and_a_later_key_for_the_same_store_is_refused(
    world: World,
) -> None:
    w = world
    result = w.a.receive(w.c_pack, w.c)
    assert result.trusted_key == signing.key_id_hex(signing.load_public_key(w.c.signer))
    row = w.a.store.execute(
        "SELECT detail FROM audit WHERE action = 'sync_peer_key' AND object_id = ?",
        (w.c.store.store_id,),
    ).fetchone()
    assert row is not None and result.trusted_key in row[0]
    opened = carl_pack(w, "a4")
    sign, public = minisign_signer(w.tmp / "outsider")
    refused(w, seal(opened, w.a, w.tmp / "a4.age", sign), public, "whose signing key here is")


def test_pack_naming_another_stores_sync_key_is_refused(world: World) -> None:
    """C's own store id, but B's sync key: it would mark rows as 'seen' by B and starve B."""
    w = world
    known_peers(w)
    opened = carl_pack(w, "a5")
    opened.manifest["from_recipient"] = w.b.recipient
    pack = seal(opened, w.a, w.tmp / "a5.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "sync key")


def test_pack_signed_with_the_receivers_own_key_is_refused(world: World) -> None:
    w = world
    opened = carl_pack(w, "a6")
    pack = seal(opened, w.a, w.tmp / "a6.age", store_signer(w.a))
    refused(w, pack, w.a.signer, "this store's own signing key")


# -- (b)-(f) every decision is its author's ------------------------------------------------------


def test_decision_claiming_to_come_from_the_importing_store_is_refused(world: World) -> None:
    w = world
    known_peers(w)
    opened = carl_pack(w, "b")
    forged_decision(
        opened,
        natural="p4",
        kind="tag",
        tag="boat_crossing",
        actor="carl",
        origin=w.a.store.store_id,
        signed_by=personal_key_for(w.c.store),
    )
    pack = seal(opened, w.a, w.tmp / "b.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "claims to have been made in this store")


def test_decision_by_a_person_the_store_does_not_know_is_refused(world: World) -> None:
    w = world
    known_peers(w)
    opened = carl_pack(w, "c")
    forged_decision(
        opened,
        natural="p2",
        kind="approve",
        actor="ghost",
        origin=w.c.store.store_id,
        signed_by=generate_key("ghost"),
    )
    pack = seal(opened, w.a, w.tmp / "c.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "'ghost' is not a user of this store")


def test_approval_by_an_analyst_is_refused_and_merges_when_they_are_a_supervisor(
    world: World,
) -> None:
    w = world
    known_peers(w)
    opened = carl_pack(w, "d")
    forged_decision(
        opened,
        natural="p2",
        kind="approve",
        actor="carl",
        origin=w.c.store.store_id,
        signed_by=personal_key_for(w.c.store),
    )
    pack = seal(opened, w.a, w.tmp / "d.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "'carl' is analyst here and 'approve' needs a supervisor")
    # Control: nothing else is wrong with the forged approval. Were carl a supervisor here, the
    # very same pack would merge, with its decision_origin and audit rows.
    add_user(w.a.store, "carl", "supervisor")  # anna promotes carl (re-signs his registration)
    import_sync_pack(w.a.store, pack, w.c.signer)
    assert w.a.status("p2") == "approved"
    assert (
        w.a.store.scalar(
            "SELECT store_id FROM decision_origin o JOIN decisions d ON d.uuid = o.uuid "
            "WHERE d.kind = 'approve' AND d.actor = 'carl'"
        )
        == w.c.store.store_id
    )
    assert verify_audit(w.a.store.conn).ok


@pytest.mark.parametrize("how", ["no signature", "altered after signing", "another's key"])
def test_decision_without_its_authors_valid_signature_is_refused(world: World, how: str) -> None:
    w = world
    opened = carl_pack(w, "e")
    if how == "no signature":
        # C's genuine pack (carl's tag on p2, not merged in A yet), its signatures stripped.
        carls = [d for d in opened.sections["decisions"] if d["actor"] == "carl"]
        assert carls and all(d.get("signature") for d in carls)
        for d in carls:
            del d["signature"]
        expected = "carries no personal signature"
    elif how == "altered after signing":
        known_peers(w)
        row = forged_decision(
            opened,
            natural="p4",
            kind="tag",
            tag="boat_crossing",
            actor="carl",
            origin=w.c.store.store_id,
            signed_by=personal_key_for(w.c.store),
        )
        row["tag"] = "fake_documents"
        expected = "is not signed by carl's registered key"
    else:
        # ben is a supervisor here; carl signs an approval in ben's name with his own key.
        known_peers(w)
        forged_decision(
            opened,
            natural="p2",
            kind="approve",
            actor="ben",
            origin=w.b.store.store_id,
            signed_by=personal_key_for(w.c.store),
        )
        expected = "is not signed by ben's registered key"
    pack = seal(opened, w.a, w.tmp / "e.age", store_signer(w.c))
    refused(w, pack, w.c.signer, expected)


@pytest.mark.parametrize("how", ["no audit row", "audit row of another person"])
def test_decision_without_its_matching_audit_row_is_refused(world: World, how: str) -> None:
    w = world
    known_peers(w)
    opened = carl_pack(w, "f")
    forged_decision(
        opened,
        natural="p5",
        kind="tag",
        tag="boat_crossing",
        actor="carl",
        origin=w.c.store.store_id,
        signed_by=personal_key_for(w.c.store),
        audit=how != "no audit row",
        audit_actor="ben",
    )
    pack = seal(opened, w.a, w.tmp / "f.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "has no matching audit row from store")


def test_a_key_written_into_the_users_table_by_hand_does_not_count(world: World) -> None:
    """A colleague who can write A's store file adds 'mallory', supervisor, with her key; no
    supervisor signed that registration, so her decisions are not believed."""
    w = world
    known_peers(w)
    mallory = generate_key("mallory")
    with w.a.store.transaction() as conn:
        conn.execute(
            "INSERT INTO users(name, role, added_by, added_at, public_key) VALUES "
            "('mallory', 'supervisor', 'anna', '2026-01-01T00:00:00Z', ?)",
            (mallory.public_text(),),
        )
    opened = carl_pack(w, "g")
    forged_decision(
        opened,
        natural="p2",
        kind="approve",
        actor="mallory",
        origin=w.c.store.store_id,
        signed_by=mallory,
    )
    pack = seal(opened, w.a, w.tmp / "g.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "'mallory' has no public key registered by a supervisor")


def test_outcome_by_someone_who_is_not_a_supervisor_here_is_refused(world: World) -> None:
    w = world
    known_peers(w)
    opened = carl_pack(w, "o")
    account = opened.sections["accounts"][0]["uuid"]
    opened.sections["outcomes"].append(
        {
            "uuid": str(uuidlib.uuid4()),
            "account": account,
            "outcome": "taken_down",
            "on_date": "2026-01-05",
            "actor": "carl",
            "at": "2026-01-05T10:00:00.000000Z",
            "note": None,
        }
    )
    pack = seal(opened, w.a, w.tmp / "o.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "outcomes need a supervisor")


# -- the issue's pack, through the CLI ------------------------------------------------------------


def test_the_issues_forged_pack_is_refused_by_the_cli_in_one_line(
    world: World, tmp_path: Path
) -> None:
    """Signed by C, manifest says B, a decision with origin A by a person who does not exist,
    kind approve: before, p2 became approved with no audit row and audit verify said intact."""
    w = world
    known_peers(w)
    opened = carl_pack(w, "issue")
    opened.manifest["from_store"] = w.b.store.store_id
    forged_decision(
        opened,
        natural="p2",
        kind="approve",
        actor="nobody",
        origin=w.a.store.store_id,
        signed_by=None,
        audit=False,
    )
    pack = seal(opened, w.a, w.tmp / "issue.age", store_signer(w.c))
    before = state(w.a.store)
    for forged_only_inside in (False, True):
        # The inner forgery alone (manifest left honest) is refused too.
        if forged_only_inside:
            opened.manifest["from_store"] = w.c.store.store_id
            pack = seal(opened, w.a, w.tmp / "issue2.age", store_signer(w.c))
        with pytest.raises(TriageError) as caught:
            import_sync_pack(w.a.store, pack, w.c.signer)
        assert "\n" not in str(caught.value)
    assert state(w.a.store) == before
    assert w.a.status("p2") != "approved"
    w.a.store.close()
    from tests.support.run_as import run_cli_as  # noqa: PLC0415

    # The CLI child opens A with its key from a keyring file holding A's key.
    env = _cli_env_for(w.a, tmp_path)
    code, out, err = run_cli_as(
        "anna", "sync", "import", str(pack), "--signer", str(w.c.signer), env=env
    )
    assert code == 1, (out, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert "claims to have been made in this store" in err
    from triage_app.store.opening import open_for_user  # noqa: PLC0415

    w.a.store = open_for_user(w.a.folder / "store.db", user="anna")
    assert state(w.a.store) == before


def _cli_env_for(field: Field, tmp_path: Path) -> dict[str, str]:
    """A file keyring holding what the in-memory keyring holds, for a CLI child."""
    import keyring

    backend = keyring.get_keyring()
    entries = {f"{service}\t{user}": secret for (service, user), secret in backend.secrets.items()}
    path = tmp_path / "cli-keyring.json"
    path.write_text(json.dumps(entries))
    return {
        "TRIAGE_DB": str(field.folder / "store.db"),
        "TRIAGE_DATA_DIR": str(field.folder),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(path),
    }


# -- relaying ------------------------------------------------------------------------------------


def test_relayed_decisions_keep_their_authors_signatures_and_cannot_be_altered(
    world: World,
) -> None:
    """B's approval reaches A only through C: it merges under ben's own signature, with its
    decision_origin (B) and B's audit row; the same relay with the approval altered is refused."""
    w = world
    w.c.receive(w.b.export_to(w.c), w.b)
    relay = w.c.export_to(w.a)
    opened = unpack(relay, w.a, w.tmp / "relay")
    approval = next(d for d in opened.sections["decisions"] if d["kind"] == "approve")
    assert approval["actor"] == "ben" and approval["origin"] == w.b.store.store_id
    approval["note"] = "approved by ben (really)"
    pack = seal(opened, w.a, w.tmp / "relay-altered.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "is not signed by ben's registered key")

    w.a.receive(relay, w.c)
    assert w.a.status("p3") == "approved"
    merged = w.a.store.execute(
        "SELECT d.uuid, d.batch, o.store_id FROM decisions d LEFT JOIN decision_origin o "
        "ON o.uuid = d.uuid"
    ).fetchall()
    assert merged and all(origin is not None for _u, _b, origin in merged)
    for _uuid, batch, origin in merged:
        assert w.a.store.scalar(
            "SELECT count(*) FROM peer_audit WHERE origin = ? AND "
            "json_extract(detail, '$.batch') = ?",
            (origin, batch),
        ), batch
    assert verify_audit(w.a.store.conn).ok


# -- the field laptop -> HQ flow through the CLI, two people on two machines ---------------------


def test_field_to_hq_needs_the_colleague_and_the_store_registered_first(tmp_path: Path) -> None:
    """fiona's field laptop and hank's HQ each have their own keyring. HQ refuses fiona's pack
    until hank registers her key and role; a copy signed by another key is refused; `sync peers`
    shows the key HQ trusts for the field store and how."""
    from tests.store.keys_helpers import write_posts
    from tests.support.run_as import run_cli_as

    def env(name: str) -> dict[str, str]:
        return {
            "TRIAGE_DATA_DIR": str(tmp_path / name),
            "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
            "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / f"{name}-keyring.json"),
        }

    def cli(user: str, place: str, *args: str, code: int = 0) -> tuple[str, str]:
        rc, out, err = run_cli_as(user, *args, env=env(place))
        assert rc == code, (args, out, err)
        return out, err

    cli("fiona", "field", "import", str(write_posts(tmp_path / "posts.jsonl", 4)))
    cli("fiona", "field", "tag", "2", "boat_crossing")
    cli("fiona", "field", "keys", "export-personal", "--out", str(tmp_path / "fiona.pub"))
    cli("fiona", "field", "keys", "export-public", "--out", str(tmp_path / "field.pub"))
    field = json.loads(cli("fiona", "field", "sync", "id", "--json")[0])
    cli("hank", "hq", "db", "create")
    hq = json.loads(cli("hank", "hq", "sync", "id", "--json")[0])
    out, _ = cli(
        "hank",
        "hq",
        "sync",
        "peers",
        "add",
        field["store_id"],
        "--signer",
        str(tmp_path / "field.pub"),
        "--recipient",
        field["recipient"],
    )
    assert "registered" in out
    pack = tmp_path / "to-hq.age"
    cli("fiona", "field", "sync", "export", "--recipient", hq["recipient"], "--out", str(pack))

    # Not yet: hank has not registered fiona.
    _, err = cli(
        "hank", "hq", "sync", "import", str(pack), "--signer", str(tmp_path / "field.pub"), code=1
    )
    assert err.count("\n") == 1 and "'fiona' is not a user of this store" in err

    # The same pack signed by someone else's key, claiming to be the field store.
    sign, outsider = minisign_signer(tmp_path / "outsider")
    forged = tmp_path / "forged.age"
    shutil.copy(pack, forged)
    sign(forged, forged.with_name("forged.age.minisig"))
    _, err = cli("hank", "hq", "sync", "import", str(forged), "--signer", str(outsider), code=1)
    assert err.count("\n") == 1 and "whose signing key here is" in err

    cli(
        "hank",
        "hq",
        "users",
        "add",
        "fiona",
        "--role",
        "analyst",
        "--key",
        str(tmp_path / "fiona.pub"),
    )
    out, _ = cli("hank", "hq", "sync", "import", str(pack), "--signer", str(tmp_path / "field.pub"))
    assert out.startswith(f"Merged sync pack from store {field['store_id']}")
    peers = json.loads(cli("hank", "hq", "sync", "peers", "--json")[0])
    assert [(p["store_id"], p["trusted_how"], p["trusted_by"]) for p in peers] == [
        (field["store_id"], "registered", "hank")
    ]
    assert peers[0]["signer_key_id"] == signing.key_id_hex(
        signing.load_public_key(tmp_path / "field.pub")
    )
    shown = json.loads(cli("hank", "hq", "show", "2", "--json")[0])
    assert "boat_crossing" in json.dumps(shown)


def test_registering_a_peer_key_refuses_a_clash_unless_replaced(world: World) -> None:
    """A store trusted with one key is not silently given another; --replace does it, in the
    audit, and then the old key is refused."""
    w = world
    w.a.receive(w.c_pack, w.c)  # C's key trusted on first use
    sign, public = minisign_signer(w.tmp / "new-c-key")
    new = signing.load_public_key(public)
    fields = {
        "store_id": w.c.store.store_id,
        "recipient": w.c.recipient,
        "key_id": signing.key_id_hex(new),
        "public_key": new.to_base64().decode("ascii"),
    }
    with pytest.raises(TriageError, match="register them with --replace"):
        register_peer(w.a.store, **fields)
    with pytest.raises(TriageError, match="is already trusted for store"):
        # B's key cannot be registered for C either.
        b_key = signing.load_public_key(w.b.signer)
        w.a.receive(w.b_pack, w.b)
        register_peer(
            w.a.store,
            **{
                **fields,
                "key_id": signing.key_id_hex(b_key),
                "public_key": b_key.to_base64().decode("ascii"),
            },
            replace=True,  # not even so
        )
    assert "registered" in register_peer(w.a.store, **fields, replace=True)
    assert (
        w.a.store.scalar(
            "SELECT count(*) FROM audit WHERE action = 'sync_peer_key' AND object_id = ?",
            (w.c.store.store_id,),
        )
        == 2
    )
    opened = carl_pack(w, "replaced")
    refused(
        w,
        seal(opened, w.a, w.tmp / "old-key.age", store_signer(w.c)),
        w.c.signer,
        "whose signing key here is",
    )
    merged = import_sync_pack(w.a.store, seal(opened, w.a, w.tmp / "new-key.age", sign), public)
    assert merged.trusted_key is None


@pytest.mark.parametrize("after_the_review", [True, False])
def test_an_analyst_re_tagging_a_post_reviewed_in_their_store_is_refused(
    world: World, after_the_review: bool
) -> None:
    """Store C's pack: ben (a supervisor here) approved p2 in C, then carl (an analyst here)
    untagged it; C itself would have refused that untag, and so does A. Before the approval, the
    same untag is ordinary analyst work and merges."""
    w = world
    known_peers(w)
    opened = carl_pack(w, "retag")
    origin = w.c.store.store_id
    forged_decision(
        opened,
        natural="p2",
        kind="approve",
        actor="ben",
        origin=origin,
        signed_by=personal_key_for(w.b.store),
        at="2026-01-05T10:00:00.000000Z",
    )
    forged_decision(
        opened,
        natural="p2",
        kind="untag",
        tag="boat_crossing",
        actor="carl",
        origin=origin,
        signed_by=personal_key_for(w.c.store),
        at="2026-01-05T11:00:00.000000Z" if after_the_review else "2026-01-05T09:00:00.000000Z",
    )
    pack = seal(opened, w.a, w.tmp / "retag.age", store_signer(w.c))
    if after_the_review:
        refused(w, pack, w.c.signer, "re-tagging a reviewed post needs a supervisor")
    else:
        assert import_sync_pack(w.a.store, pack, w.c.signer).added["decisions"] == 2


def test_a_role_raised_by_hand_does_not_count(world: World) -> None:
    """carl's role changed to supervisor in A's users table by hand: his registration no longer
    verifies, so his (validly signed) approval is not believed."""
    w = world
    known_peers(w)
    with w.a.store.transaction() as conn:
        conn.execute("UPDATE users SET role = 'supervisor' WHERE name = 'carl'")
    opened = carl_pack(w, "raised")
    forged_decision(
        opened,
        natural="p2",
        kind="approve",
        actor="carl",
        origin=w.c.store.store_id,
        signed_by=personal_key_for(w.c.store),
    )
    pack = seal(opened, w.a, w.tmp / "raised.age", store_signer(w.c))
    refused(w, pack, w.c.signer, "'carl' has no public key registered by a supervisor")


@pytest.mark.parametrize("how", ["takes a held row's place", "does not link"])
def test_an_audit_row_slipped_into_a_stores_chain_is_refused(world: World, how: str) -> None:
    """carl's decision is validly signed, but its audit row either reuses the position of a row
    A already holds from C's chain, or does not link to the row before it."""
    w = world
    known_peers(w)
    opened = carl_pack(w, "slip")
    forged_decision(
        opened,
        natural="p5",
        kind="tag",
        tag="boat_crossing",
        actor="carl",
        origin=w.c.store.store_id,
        signed_by=personal_key_for(w.c.store),
    )
    row = opened.sections["audit"][-1]
    if how == "takes a held row's place":
        row["seq"] -= 1
        expected = "differs from the row this store already holds there"
    else:
        row["prev_hash"] = "1" * 64
        expected = "does not link to the row before it"
    row["hash"] = row_hash(
        row["prev_hash"],
        row["uuid"],
        row["at"],
        row["actor"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["detail"],
    )
    pack = seal(opened, w.a, w.tmp / "slip.age", store_signer(w.c))
    refused(w, pack, w.c.signer, expected)


@pytest.mark.parametrize("post", ["p6", "p3"])
def test_a_post_marked_referred_needs_an_approval_here(world: World, post: str) -> None:
    """'referred' is final and blocks every later review: a pack may only say so of a post
    approved here (p3: ben's approval, merged from B) - never of one no one approved (p6)."""
    w = world
    known_peers(w)
    opened = unpack(w.b_pack, w.a, w.tmp / f"referred-{post}")
    for row in opened.sections["posts"]:
        row["referred"] = row["platform_post_id"] == post
    pack = seal(opened, w.a, w.tmp / f"referred-{post}.age", store_signer(w.b))
    if post == "p6":
        refused(w, pack, w.b.signer, "marks facebook post p6 as referred, but no approval")
        assert w.a.status("p6") != "referred"
    else:
        import_sync_pack(w.a.store, pack, w.b.signer)
        assert w.a.status("p3") == "referred"


def test_a_post_really_referred_in_a_peer_is_referred_here_too(world: World) -> None:
    """B approves p3 and builds a real referral pack for it; a sync pack that carries p3 (here
    with --all, as a post already sent is not sent again for its referral alone) makes p3
    referred in A, the approval being known here under ben's signature."""
    from pyrage import x25519

    from triage_app.packs.build import build_referral_pack
    from triage_app.packs.sync import export_sync_pack

    w = world
    w.a.receive(w.b_pack, w.b)  # the approval
    liaison = str(x25519.Identity.generate().to_public())
    build_referral_pack(w.b.store, "facebook", w.tmp / "referral.age", recipients=[liaison])
    assert w.b.status("p3") == "referred"
    again = w.tmp / "b-again.age"
    export_sync_pack(w.b.store, w.a.recipient, again, everything=True)
    w.a.receive(again, w.b)
    assert w.a.status("p3") == "referred"
