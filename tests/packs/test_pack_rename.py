"""pack open / pack verify (issue 12): the file name and pack id in the signature's trusted
comment must match the pack being opened. A renamed pack is refused (or, with
--accept-renamed, opened and reported); a signature naming another pack id is refused. The
signature still verifies with the real minisign."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import run_cli
from tests.packs.helpers import approved_store, identity, signer_pub
from triage_app.core.errors import TriageError
from triage_app.packs import signing
from triage_app.packs.build import build_referral_pack
from triage_app.packs.open import open_pack, signed_fields


def built_pack(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=4)
    ident_path, pub = identity(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = build_referral_pack(store, "facebook", out / "meta-2026-01.age", recipients=[pub])
    return store, result, ident_path, signer_pub(store, tmp_path)


def test_the_trusted_comment_names_file_and_pack_and_minisign_still_verifies(make_store, tmp_path):
    store, result, _ident, pub = built_pack(make_store, tmp_path)
    fields = signed_fields(
        signing.verify_file(
            result.pack_path, result.signature_path, signing.load_public_key(pub)
        ).trusted_comment
    )
    assert fields["file"] == "meta-2026-01.age" and fields["pack"] == result.pack_id
    done = subprocess.run(
        ["minisign", "-Vm", str(result.pack_path), "-p", str(pub)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "file:meta-2026-01.age" in done.stdout and f"pack:{result.pack_id}" in done.stdout


def test_a_renamed_pack_is_refused_and_with_accept_renamed_reported(make_store, tmp_path):
    store, result, ident, pub = built_pack(make_store, tmp_path)
    renamed = result.pack_path.with_name("tiktok-2026-02.age")
    result.pack_path.rename(renamed)
    result.signature_path.rename(renamed.with_name(renamed.name + ".minisig"))
    # minisign itself only checks the bytes: the rename goes unnoticed there
    assert subprocess.run(["minisign", "-Vm", str(renamed), "-p", str(pub)]).returncode == 0

    base = ["pack", "open", str(renamed), "--signer", str(pub), "--identity", str(ident)]
    code, out, err = run_cli(*base, "--out", str(tmp_path / "opened"))
    assert code == 1 and err.count("\n") == 1, err
    assert "tiktok-2026-02.age was signed under the name 'meta-2026-01.age'" in err
    assert "--accept-renamed" in err and not (tmp_path / "opened").exists()

    code, out, err = run_cli("pack", "verify", str(renamed), "--signer", str(pub))
    assert code == 1 and "signed under the name 'meta-2026-01.age'" in err

    code, out, err = run_cli(*base, "--out", str(tmp_path / "opened"), "--accept-renamed")
    assert code == 0, err
    assert "Note: tiktok-2026-02.age was signed under the name 'meta-2026-01.age'" in out
    assert (tmp_path / "opened" / "posts.csv").is_file()

    code, out, err = run_cli(
        "pack", "verify", str(renamed), "--signer", str(pub), "--accept-renamed"
    )
    assert code == 0 and "Note: tiktok-2026-02.age was signed under the name" in out


def test_the_signed_name_opens_without_a_note(make_store, tmp_path):
    store, result, ident, pub = built_pack(make_store, tmp_path)
    code, out, err = run_cli(
        "pack",
        "open",
        str(result.pack_path),
        "--signer",
        str(pub),
        "--identity",
        str(ident),
        "--out",
        str(tmp_path / "opened"),
    )
    assert code == 0, err
    assert "Note:" not in out


def test_a_signature_naming_another_pack_id_is_refused(make_store, tmp_path):
    """The signer's comment says pack X, the manifest inside says pack Y: refused, nothing
    left at the destination."""
    store, result, ident, pub = built_pack(make_store, tmp_path)
    result.signature_path.unlink()
    signing.sign_file(
        store,
        result.pack_path,
        result.signature_path,
        signing.now_comment(file=result.pack_path.name, pack="another-pack-id"),
    )
    from triage_app.packs.crypto import load_identities

    dest = tmp_path / "opened"
    with pytest.raises(TriageError, match="signature is for pack another-pack-id") as caught:
        open_pack(result.pack_path, pub, dest, identities=load_identities(ident))
    assert result.pack_id in str(caught.value)
    assert not dest.exists()
