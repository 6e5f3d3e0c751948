"""Packs made by the real `zip`, `age` and `minisign` open with ours; our signing key and public
key work with the real minisign; the signing key lives in the keyring, made once."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.packs.helpers import identity
from triage_app.core.errors import TriageError
from triage_app.packs import signing
from triage_app.packs.crypto import load_identities
from triage_app.packs.open import open_pack, verify_pack

PASSPHRASE = "correct horse battery staple"


def run(*cmd: str, cwd: Path | None = None, stdin: str | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{cmd}: {proc.stdout} {proc.stderr}"


def hand_made_zip(tmp_path: Path) -> Path:
    """A pack ZIP made by hand: files, SHA256SUMS by sha256sum, a manifest, zip -r."""
    content = tmp_path / "content"
    (content / "evidence" / "p1").mkdir(parents=True)
    files = {
        "referral.html": "<!DOCTYPE html><p dir=auto>مرحبا</p>",
        "posts.csv": "post_id,text\np1,hello\n",
        "evidence/p1/raw.json": '{"id": "p1"}',
    }
    for name, text in files.items():
        (content / name).write_text(text, encoding="utf-8")
    manifest = {
        "format": "triage-referral-pack",
        "format_version": 1,
        "files": [
            {
                "path": name,
                "size": len(text.encode()),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            }
            for name, text in files.items()
        ],
    }
    (content / "manifest.json").write_text(json.dumps(manifest))
    sums = subprocess.run(
        ["sha256sum", *files, "manifest.json"],
        cwd=content,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (content / "SHA256SUMS").write_text(sums)
    run("zip", "-q", "-r", "-X", str(tmp_path / "pack.zip"), ".", cwd=content)
    return tmp_path / "pack.zip"


def minisign_key(tmp_path: Path) -> tuple[Path, Path]:
    pub, key = tmp_path / "minisign.pub", tmp_path / "minisign.key"
    run("minisign", "-G", "-W", "-p", str(pub), "-s", str(key))
    return pub, key


@pytest.mark.parametrize("legacy", [False, True], ids=["prehashed", "legacy-signature"])
def test_a_pack_made_with_age_and_minisign_opens_with_ours(tmp_path, legacy):
    plain = hand_made_zip(tmp_path)
    ident_path, pub = identity(tmp_path)
    pack = tmp_path / "pack.age"
    run("age", "-r", pub, "-o", str(pack), str(plain))
    minisign_pub, minisign_sec = minisign_key(tmp_path)
    run(
        "minisign",
        "-S",
        *(["-l"] if legacy else []),
        "-s",
        str(minisign_sec),
        "-m",
        str(pack),
        "-t",
        "made by hand",
    )
    assert verify_pack(pack, minisign_pub).trusted_comment == "made by hand"
    opened = open_pack(pack, minisign_pub, tmp_path / "out", identities=load_identities(ident_path))
    assert (opened.folder / "referral.html").read_text(encoding="utf-8").endswith("مرحبا</p>")
    assert opened.files == 5


def test_a_passphrase_pack_made_with_age_opens_with_ours(tmp_path):
    plain = hand_made_zip(tmp_path)
    pack = tmp_path / "pack.age"
    # age asks for the passphrase twice, and only on a terminal: script(1) gives it one.
    run(
        "script",
        "-qec",
        f"age -p -o {pack} {plain}",
        "/dev/null",
        stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n",
    )
    minisign_pub, minisign_sec = minisign_key(tmp_path)
    run("minisign", "-S", "-s", str(minisign_sec), "-m", str(pack))
    opened = open_pack(pack, minisign_pub, tmp_path / "out", passphrase=PASSPHRASE)
    assert (opened.folder / "posts.csv").read_text() == "post_id,text\np1,hello\n"


def test_our_signatures_verify_with_minisign_and_theirs_do_not_pass_as_ours(
    tmp_path, memory_keyring
):
    target = tmp_path / "file.bin"
    target.write_bytes(b"x" * 100_000)
    ours = tmp_path / "ours.pub"
    ours.write_text(signing.public_key_text("store-1"))
    signing.sign_file("store-1", target, tmp_path / "file.bin.minisig", "timestamp:1\tfile:x")
    run("minisign", "-Vm", str(target), "-p", str(ours))
    # The key was made once and kept: the same public key next time, under the agreed name.
    assert signing.public_key_text("store-1") == ours.read_text()
    assert ("triage-workstation", "signing-key:store-1") in memory_keyring.secrets
    assert signing.public_key_text("store-2") != ours.read_text()
    theirs, _ = minisign_key(tmp_path)
    with pytest.raises(TriageError, match="signed by key"):
        verify_pack(target, theirs)


def test_a_damaged_key_in_the_keyring_is_a_plain_error(memory_keyring):
    memory_keyring.secrets[("triage-workstation", "signing-key:s")] = "garbage"
    with pytest.raises(TriageError, match="damaged"):
        signing.public_key_text("s")
