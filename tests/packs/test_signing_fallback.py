"""The pack signing key on a workstation without an OS keyring (keyring's fail backend): an
encrypted store keeps it inside itself, a plain store refuses plainly, and a key made in one
place keeps being found there (no new signer identity from run to run)."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import minisign
import pytest

from tests.packs.helpers import identity, write_corpus
from triage_app import cli
from triage_app.ingest.pipeline import import_paths
from triage_app.packs import signing
from triage_app.store.decisions import apply_tags, review
from triage_app.store.four_eyes import set_self_approval
from triage_app.store.opening import open_for_user

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's fail backend for the test (the autouse memory keyring comes back after)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def pass_file(tmp_path: Path) -> Path:
    path = tmp_path / "store.pass"  # outside the data folder, as the docs ask
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return path


def _fill(data: Path, tmp_path: Path, *, encrypted: bool, approve: int) -> list[int]:
    """A store in the data folder with 6 imported posts, the first ``approve`` approved."""
    store = open_for_user(
        data / "store.db",
        create=True,
        user="alice",
        passphrase=PASSPHRASE if encrypted else None,
        encrypted=encrypted,
        key_passphrase=PASSPHRASE,  # no keyring: alice's personal key is passphrase-wrapped
    )
    try:
        import_paths(store, [write_corpus(tmp_path / "corpus", 6)])
        ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id")]
        if approve:
            _approve(store, ids[:approve])
        return ids
    finally:
        store.close()


def _approve(store, ids: list[int]) -> None:
    set_self_approval(store, True)  # a one-person team: alice tags and approves
    apply_tags(store, ids, add=["boat_crossing"])
    review(store, ids, "approve")


def _open(data: Path, passphrase: str | None = PASSPHRASE):
    return open_for_user(data / "store.db", user="alice", passphrase=passphrase)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _minisign_verifies(pack: Path, pub: Path) -> str:
    proc = subprocess.run(
        ["minisign", "-Vm", str(pack), "-p", str(pub)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _secret_forms(secret_b64: str) -> list[bytes]:
    """Every form of the minisign secret key that could leak into a file."""
    sk = minisign.SecretKey.from_base64(secret_b64.encode())
    raw = bytes(sk._keynum_sk.secret_key)  # Ed25519 seed + public key (64 bytes)
    forms = [secret_b64.encode(), base64.b64decode(secret_b64)]
    for part in (raw, raw[:32]):
        forms += [
            part,
            part.hex().encode(),
            part.hex().upper().encode(),
            base64.b64encode(part),
            base64.b64encode(part).rstrip(b"="),
            base64.urlsafe_b64encode(part),
        ]
    return forms


def test_encrypted_store_without_keyring_signs_packs_with_one_key(
    no_keyring, pass_file: Path, isolated_data_dir: Path, tmp_path: Path, capsys, memory_keyring
) -> None:
    data = isolated_data_dir
    ids = _fill(data, tmp_path, encrypted=True, approve=3)
    _, recipient = identity(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    pp = ["--passphrase-file", str(pass_file)]

    code, _, err = _cli(
        capsys,
        *pp,
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        recipient,
        "--out",
        str(out / "one.age"),
    )
    assert code == 0, err
    code, _, err = _cli(capsys, *pp, "keys", "export-public", "--out", str(out / "signer.pub"))
    assert code == 0, err
    first = _minisign_verifies(out / "one.age", out / "signer.pub")
    assert "Signature and comment signature verified" in first

    # A second build (more posts approved since) is signed by the same key.
    store = _open(data)
    try:
        _approve(store, ids[3:])
        row = store.execute("SELECT place, key_id, secret_key FROM signing_key").fetchone()
    finally:
        store.close()
    assert row[0] == "store" and row[2]
    code, _, err = _cli(
        capsys,
        *pp,
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        recipient,
        "--out",
        str(out / "two.age"),
    )
    assert code == 0, err
    _minisign_verifies(out / "two.age", out / "signer.pub")
    code, _, err = _cli(capsys, *pp, "keys", "export-public", "--out", str(out / "again.pub"))
    assert code == 0, err
    assert (out / "again.pub").read_text() == (out / "signer.pub").read_text()
    assert row[1] in (out / "signer.pub").read_text()

    # The secret is only inside the encrypted store: in no file of the data folder, in no form.
    forms = _secret_forms(str(row[2]))
    leaks = [
        str(path)
        for path in data.rglob("*")
        if path.is_file() and any(form in path.read_bytes() for form in forms)
    ]
    assert leaks == []
    assert memory_keyring.secrets == {}  # the fail backend was the only keyring in play


def test_plain_store_without_keyring_is_refused_with_nothing_written(
    no_keyring, isolated_data_dir: Path, tmp_path: Path, capsys
) -> None:
    data = isolated_data_dir
    _fill(data, tmp_path, encrypted=False, approve=6)
    _, recipient = identity(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    before = (data / "store.db").stat().st_size

    code, stdout, err = _cli(
        capsys,
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        recipient,
        "--out",
        str(out / "one.age"),
    )
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "not encrypted" in lines[0] and "triage db encrypt" in lines[0]
    assert "keyring" in lines[0] and "Traceback" not in err
    assert list(out.iterdir()) == []

    code, _, err = _cli(capsys, "keys", "export-public", "--out", str(out / "signer.pub"))
    assert code == 1 and "triage db encrypt" in err
    assert list(out.iterdir()) == []

    store = _open(data, None)
    try:
        assert store.scalar("SELECT count(*) FROM signing_key") == 0
        assert store.scalar("SELECT count(*) FROM referrals") == 0
        assert store.scalar("SELECT count(*) FROM posts WHERE status = 'approved'") == 6
    finally:
        store.close()
    assert (data / "store.db").stat().st_size == before


def test_key_in_store_is_found_again_when_a_keyring_appears(
    pass_file: Path, isolated_data_dir: Path, tmp_path: Path, memory_keyring
) -> None:
    data = isolated_data_dir
    keyring.set_keyring(keyring.backends.fail.Keyring())
    _fill(data, tmp_path, encrypted=True, approve=0)
    store = _open(data)
    try:
        made = signing.public_key_text(store)
    finally:
        store.close()
    keyring.set_keyring(memory_keyring)  # a working keyring now: the store's key still wins
    store = _open(data)
    try:
        assert signing.public_key_text(store) == made
    finally:
        store.close()
    assert memory_keyring.secrets == {}


def test_key_in_keyring_is_not_replaced_when_the_keyring_stops_working(
    pass_file: Path, isolated_data_dir: Path, tmp_path: Path, memory_keyring
) -> None:
    data = isolated_data_dir
    _fill(data, tmp_path, encrypted=True, approve=0)  # store key in keyring and passphrase
    store = _open(data)
    try:
        made = signing.public_key_text(store)
        key_id = signing.key_id_hex(signing.public_key_of(store))
        assert store.execute("SELECT place, key_id, secret_key FROM signing_key").fetchone() == (
            "keyring",
            key_id,
            None,
        )
    finally:
        store.close()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = _open(data)
    try:
        with pytest.raises(signing.TriageError, match=f"key id {key_id}.*in the OS keyring"):
            signing.signing_key(store)
        assert store.scalar("SELECT place FROM signing_key") == "keyring"
    finally:
        store.close()
    keyring.set_keyring(memory_keyring)
    store = _open(data)
    try:
        assert signing.public_key_text(store) == made
    finally:
        store.close()


def test_store_id_without_an_open_store_still_needs_a_keyring(no_keyring) -> None:
    with pytest.raises(signing.TriageError, match="No working OS keyring"):
        signing.public_key_text("a-store-that-is-not-open")


def test_sync_export_without_keyring_signs_with_the_in_store_key(
    no_keyring, tmp_path: Path
) -> None:
    from tests.packs.sync_helpers import write_export
    from triage_app.packs.sync import export_sync_pack, import_sync_pack, sync_recipient

    stores = {}
    for name, user in (("a", "anna"), ("b", "ben")):
        (tmp_path / name).mkdir()
        stores[name] = open_for_user(
            tmp_path / name / "store.db", create=True, user=user, passphrase=PASSPHRASE
        )
    a, b = stores["a"], stores["b"]
    try:
        import_paths(a, [write_export(tmp_path / "in", range(1, 6), "a")])
        signer = tmp_path / "a-signer.pub"
        signer.write_text(signing.public_key_text(a))
        pack = tmp_path / "a-to-b.age"
        export_sync_pack(a, sync_recipient(b), pack)
        _minisign_verifies(pack, signer)
        result = import_sync_pack(b, pack, signer)
        assert result.added["posts"] == 5
        assert a.scalar("SELECT place FROM signing_key") == "store"
        assert b.scalar("SELECT count(*) FROM signing_key") == 0  # importing needs no key
    finally:
        a.close()
        b.close()
