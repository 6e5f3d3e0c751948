"""Building a pack: what goes in, what is recorded, and that a failed or cancelled export
leaves no file and changes nothing in the store."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keyring
import pyrage
import pytest
from keyring.backends import fail
from pyrage import x25519

from tests.packs.helpers import approved_store
from triage_app.core.errors import PermissionRefused, TriageError
from triage_app.ingest.evidence import evidence_dir
from triage_app.packs.build import PackCancelled, build_referral_pack
from triage_app.packs.zipstream import MediaChanged
from triage_app.store.audit import verify_audit
from triage_app.store.referrals import add_recipient, list_recipients
from triage_app.store.users import add_user


def snapshot(store) -> tuple:
    """Everything a failed export must leave as it was."""
    return (
        store.execute("SELECT id, status FROM posts ORDER BY id").fetchall(),
        store.execute("SELECT id, referred FROM accounts ORDER BY id").fetchall(),
        store.scalar("SELECT count(*) FROM referrals"),
        store.scalar("SELECT count(*) FROM referral_items"),
        store.scalar("SELECT count(*) FROM audit"),
    )


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def recipient():
    ident = x25519.Identity.generate()
    return ident, str(ident.to_public())


def open_zip(pack: Path, ident) -> zipfile.ZipFile:
    import io

    return zipfile.ZipFile(io.BytesIO(pyrage.decrypt(pack.read_bytes(), [ident])))


def test_records_the_referral_and_marks_posts_and_accounts(make_store, tmp_path, recipient):
    ident, pub = recipient
    store = approved_store(make_store, tmp_path, n=6, approve=4)
    out = tmp_path / "out"
    out.mkdir()
    stages = []
    result = build_referral_pack(
        store,
        "facebook",
        out / "p.age",
        recipients=[pub],
        progress=lambda s, d, t: stages.append(s),
    )
    assert files_in(out) == ["p.age", "p.age.minisig"]
    assert result.posts == 4 and result.accounts == 3 and result.media_files == 2
    statuses = dict(store.execute("SELECT platform_post_id, status FROM posts").fetchall())
    assert statuses == {
        "p0": "referred",
        "p1": "referred",
        "p2": "referred",
        "p3": "referred",
        "p4": "new",
        "p5": "new",
    }
    assert store.scalar("SELECT count(*) FROM accounts WHERE referred = 1") == 3
    row = store.execute(
        "SELECT platform, recipients, pack_sha256, pack_name, created_by, items FROM referrals"
    ).fetchone()
    assert row[0] == "facebook" and json.loads(row[1]) == [pub]
    assert row[2] == result.sha256 and row[3] == "p.age" and row[4] == "alice" and row[5] == 4
    assert store.scalar("SELECT count(*) FROM referral_items") == 4
    last = store.execute("SELECT action, object_id, detail FROM audit ORDER BY id DESC").fetchone()
    assert last[0] == "referral" and json.loads(last[2])["pack_sha256"] == result.sha256
    assert verify_audit(store.conn).ok
    assert "Adding evidence" in stages and stages[-1] == "Done"
    with open_zip(out / "p.age", ident) as archive:
        custody = [json.loads(line) for line in archive.read("custody.jsonl").splitlines()]
    kinds = {c["type"] for c in custody}
    assert kinds == {"chain", "decision", "import", "audit"}
    assert {c["kind"] for c in custody if c["type"] == "decision"} == {"tag", "approve"}
    assert all(len(c["hash"]) == 64 for c in custody if c["type"] == "audit")


def test_a_selection_of_posts(make_store, tmp_path, recipient):
    ident, pub = recipient
    store = approved_store(make_store, tmp_path, n=6)
    ids = [
        r[0]
        for r in store.execute(
            "SELECT id FROM posts WHERE platform_post_id IN ('p1', 'p5') ORDER BY id"
        )
    ]
    result = build_referral_pack(
        store, "facebook", tmp_path / "p.age", recipients=[pub], post_ids=ids
    )
    assert result.posts == 2
    with open_zip(tmp_path / "p.age", ident) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert sorted(p["post_id"] for p in manifest["posts"]) == ["p1", "p5"]
    assert store.scalar("SELECT count(*) FROM posts WHERE status = 'approved'") == 4


def test_media_changed_after_import_stops_the_export_naming_it(make_store, tmp_path, recipient):
    _, pub = recipient
    store = approved_store(make_store, tmp_path)
    stored = store.execute(
        "SELECT stored_path FROM media m JOIN posts p ON p.id = m.post_id "
        "WHERE p.platform_post_id = 'p2'"
    ).fetchone()[0]
    path = evidence_dir(store.path) / stored
    path.write_bytes(path.read_bytes() + b"tampered")
    before = snapshot(store)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MediaChanged) as caught:
        build_referral_pack(store, "facebook", out / "p.age", recipients=[pub])
    message = str(caught.value)
    assert str(path) in message and "p2" in message and "changed since it was imported" in message
    assert files_in(out) == [] and snapshot(store) == before


def test_media_file_gone_stops_the_export(make_store, tmp_path, recipient):
    _, pub = recipient
    store = approved_store(make_store, tmp_path)
    stored = store.execute("SELECT stored_path FROM media ORDER BY id").fetchone()[0]
    (evidence_dir(store.path) / stored).unlink()
    before = snapshot(store)
    with pytest.raises(TriageError, match="cannot be read"):
        build_referral_pack(store, "facebook", tmp_path / "p.age", recipients=[pub])
    assert not (tmp_path / "p.age").exists() and snapshot(store) == before


@pytest.mark.parametrize(
    "stage", ["Adding evidence", "Writing tables", "Writing the summary", "Encrypting", "Signing"]
)
def test_cancel_at_any_stage_changes_nothing(make_store, tmp_path, recipient, stage):
    _, pub = recipient
    store = approved_store(make_store, tmp_path)
    before = snapshot(store)
    seen = {"stage": False}

    def progress(s, done, total):
        if s == stage:
            seen["stage"] = True

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PackCancelled):
        build_referral_pack(
            store,
            "facebook",
            out / "p.age",
            recipients=[pub],
            progress=progress,
            cancelled=lambda: seen["stage"],
        )
    assert files_in(out) == [] and snapshot(store) == before


def test_a_post_changed_while_building_removes_the_pack(make_store, tmp_path, recipient):
    _, pub = recipient
    store = approved_store(make_store, tmp_path)
    before_statuses = snapshot(store)

    def progress(stage, done, total):
        if stage == "Signing":  # another supervisor rejects a post meanwhile
            store.execute("UPDATE posts SET status = 'rejected' WHERE platform_post_id = 'p1'")

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(TriageError, match="became rejected while the pack was being built"):
        build_referral_pack(store, "facebook", out / "p.age", recipients=[pub], progress=progress)
    assert files_in(out) == []
    assert snapshot(store)[2:4] == before_statuses[2:4]  # no referral recorded


def test_an_analyst_cannot_build_a_pack(make_store, tmp_path, recipient, monkeypatch):
    _, pub = recipient
    store = approved_store(make_store, tmp_path)
    add_user(store, "bob", "analyst")
    store.user = "bob"
    with pytest.raises(PermissionRefused, match="supervisor"):
        build_referral_pack(store, "facebook", tmp_path / "p.age", recipients=[pub])
    assert not (tmp_path / "p.age").exists()


def test_bad_requests_get_one_clear_line(make_store, tmp_path, recipient):
    _, pub = recipient
    store = approved_store(make_store, tmp_path, approve=4)
    before = snapshot(store)
    cases = [
        (dict(recipients=["age1notakey"]), "not a valid age public key"),
        (dict(recipients=["ssh-ed25519 AAAA"]), "not an age X25519 public key|No recipient"),
        (dict(recipients=["nobody"]), "No recipient 'nobody' in the address book"),
        (dict(passphrase="short"), "at least 8 characters"),
        (dict(), "either recipients"),
        (dict(recipients=[pub], passphrase="long enough pass"), "either recipients"),
    ]
    for kwargs, message in cases:
        with pytest.raises(TriageError, match=message):
            build_referral_pack(store, "facebook", tmp_path / "p.age", **kwargs)
    with pytest.raises(TriageError, match="No approved posts of platform 'telegram'"):
        build_referral_pack(store, "telegram", tmp_path / "p.age", recipients=[pub])
    with pytest.raises(TriageError, match="does not exist"):
        build_referral_pack(store, "facebook", tmp_path / "nope" / "p.age", recipients=[pub])
    (tmp_path / "taken.age").write_text("someone else's")
    with pytest.raises(TriageError, match="already exists"):
        build_referral_pack(store, "facebook", tmp_path / "taken.age", recipients=[pub])
    assert (tmp_path / "taken.age").read_text() == "someone else's"
    with pytest.raises(TriageError, match="No post with id 999999"):
        build_referral_pack(
            store, "facebook", tmp_path / "p.age", recipients=[pub], post_ids=[999999]
        )
    new_post = store.scalar("SELECT id FROM posts WHERE platform_post_id = 'p5'")
    with pytest.raises(TriageError, match=f"Post {new_post} is new; only approved"):
        build_referral_pack(
            store, "facebook", tmp_path / "p.age", recipients=[pub], post_ids=[new_post]
        )
    with pytest.raises(TriageError, match=f"Post {new_post} is on facebook, not x"):
        build_referral_pack(store, "x", tmp_path / "p.age", recipients=[pub], post_ids=[new_post])
    assert not (tmp_path / "p.age").exists() and snapshot(store) == before


@pytest.mark.sqlite_only("a server store keeps its pack signing key inside: no keyring")
def test_no_keyring_backend_is_a_plain_error(make_store, tmp_path, recipient):
    _, pub = recipient
    store = approved_store(make_store, tmp_path)
    before = snapshot(store)
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(TriageError, match="No working OS keyring"):
        build_referral_pack(store, "facebook", tmp_path / "p.age", recipients=[pub])
    assert not (tmp_path / "p.age").exists() and snapshot(store) == before


def test_address_book(make_store, tmp_path, recipient):
    _, pub = recipient
    store = make_store()
    add_recipient(store, "meta-liaison", pub, "facebook")
    assert [(r.label, r.platform, r.public_key) for r in list_recipients(store)] == [
        ("meta-liaison", "facebook", pub)
    ]
    assert list_recipients(store, "telegram") == []
    for label, key, message in [
        ("meta-liaison", str(x25519.Identity.generate().to_public()), "already has"),
        ("other", pub, "already has"),
        ("bad", "age1qqqq", "not a valid age public key"),
        ("bad", "AGE-SECRET-KEY-1ABC", "not an age X25519 public key"),
        ("age1looks-like-a-key", pub, "must not look like a key"),
    ]:
        with pytest.raises(TriageError, match=message):
            add_recipient(store, label, key)
    assert len(list_recipients(store)) == 1


def _tables(pack: Path, ident) -> dict[str, bytes]:
    with open_zip(pack, ident) as archive:
        return {n: archive.read(n) for n in ("posts.jsonl", "posts.csv", "accounts.csv")}


@pytest.mark.parametrize("keep_in_memory", [True, False])
def test_tables_hold_every_post_whether_kept_in_memory_or_read_again(
    make_store, tmp_path, recipient, monkeypatch, keep_in_memory
):
    import csv
    import io

    from triage_app.packs import build

    ident, pub = recipient
    if not keep_in_memory:
        monkeypatch.setattr(build, "KEEP_POSTS", 2)
    store = approved_store(make_store, tmp_path)
    build_referral_pack(store, "facebook", tmp_path / "p.age", recipients=[pub])
    tables = _tables(tmp_path / "p.age", ident)
    posts = [json.loads(line) for line in tables["posts.jsonl"].decode().splitlines()]
    assert sorted(p["post_id"] for p in posts) == [f"p{i}" for i in range(6)]
    p0 = next(p for p in posts if p["post_id"] == "p0")
    assert p0["text"].startswith("رحلة بالقارب") and p0["account"]["handle"] == "boatman0"
    assert p0["evidence"]["raw"] == "evidence/p0/raw.json"
    assert p0["evidence"]["media"][0]["file"] == "evidence/p0/media/01-boat0.png"
    rows = list(csv.DictReader(io.StringIO(tables["posts.csv"].decode())))
    assert len(rows) == 6 and {r["handle"] for r in rows} == {"boatman0", "boatman1", "boatman2"}
    accounts = list(csv.DictReader(io.StringIO(tables["accounts.csv"].decode())))
    assert sorted(int(a["posts"]) for a in accounts) == [2, 2, 2]


def test_csv_cells_cannot_become_spreadsheet_formulas():
    from triage_app.packs.tables import csv_safe

    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("@cmd") == "'@cmd" and csv_safe("+44 7700") == "'+44 7700"
    assert csv_safe("plain text") == "plain text"
