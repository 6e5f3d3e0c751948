"""Opening a pack that is not what was signed and sent: every case is one clear TriageError
line, and nothing is left at the destination (not even a temporary folder)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from tests.packs.helpers import approved_store, signer_pub
from triage_app.core.errors import TriageError
from triage_app.packs import signing
from triage_app.packs.build import build_referral_pack
from triage_app.packs.crypto import load_identities
from triage_app.packs.open import open_pack, verify_pack

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def built(make_store, tmp_path):
    """A store, a pack to an X25519 identity, and the signer's public key."""
    store = approved_store(make_store, tmp_path)
    ident = x25519.Identity.generate()
    (tmp_path / "identity.txt").write_text(f"# test\n{ident}\n")
    pack = tmp_path / "referral.age"
    build_referral_pack(store, "facebook", pack, recipients=[str(ident.to_public())])
    return store, pack, ident, signer_pub(store, tmp_path)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name == "out")


def expect_refusal(pack: Path, signer: Path, tmp_path: Path, match: str, **kwargs) -> str:
    dest = tmp_path / "dest"
    dest.mkdir(exist_ok=True)
    with pytest.raises(TriageError, match=match) as caught:
        open_pack(pack, signer, dest / "out", **kwargs)
    message = str(caught.value)
    assert "\n" not in message and message
    assert leftovers(dest) == []
    return message


def resign(store, path: Path) -> None:
    """Sign ``path`` again with the genuine key (to get past the signature to the next check)."""
    sig = path.with_name(path.name + ".minisig")
    sig.unlink(missing_ok=True)
    signing.sign_file(store, path, sig, signing.now_comment())


def test_the_right_identity_opens_it(built, tmp_path):
    _, pack, _, signer = built
    opened = open_pack(
        pack, signer, tmp_path / "ok", identities=load_identities(tmp_path / "identity.txt")
    )
    assert (opened.folder / "manifest.json").is_file() and opened.files >= 10
    assert verify_pack(pack, signer).key_id == opened.signer_key_id


def test_wrong_identity(built, tmp_path):
    _, pack, _, signer = built
    expect_refusal(
        pack,
        signer,
        tmp_path,
        "None of the given age identities",
        identities=[x25519.Identity.generate()],
    )


def test_passphrase_given_for_a_pack_to_recipients(built, tmp_path):
    _, pack, _, signer = built
    expect_refusal(pack, signer, tmp_path, "open it with --identity", passphrase=PASSPHRASE)


def test_wrong_passphrase(make_store, tmp_path):
    store = approved_store(make_store, tmp_path)
    pack = tmp_path / "referral.age"
    build_referral_pack(store, "facebook", pack, passphrase=PASSPHRASE)
    signer = signer_pub(store, tmp_path)
    expect_refusal(pack, signer, tmp_path, "Wrong passphrase", passphrase="not the passphrase")
    expect_refusal(
        pack, signer, tmp_path, "protected by a passphrase", identities=[x25519.Identity.generate()]
    )
    opened = open_pack(pack, signer, tmp_path / "ok", passphrase=PASSPHRASE)
    assert (opened.folder / "referral.html").is_file()


def test_wrong_signer_key(built, make_store, tmp_path):
    _, pack, ident, _ = built
    other = make_store("other.db")
    other_pub = signer_pub(other, tmp_path, "other.pub")
    expect_refusal(pack, other_pub, tmp_path, "signed by key", identities=[ident])


def test_missing_signature(built, tmp_path):
    _, pack, ident, signer = built
    pack.with_name(pack.name + ".minisig").unlink()
    expect_refusal(pack, signer, tmp_path, "No signature file", identities=[ident])


def test_signer_file_that_is_not_a_key(built, tmp_path):
    _, pack, ident, _ = built
    bogus = tmp_path / "bogus.pub"
    bogus.write_text("untrusted comment: hello\nnot base64 at all\n")
    expect_refusal(pack, bogus, tmp_path, "not a minisign public key", identities=[ident])


@pytest.mark.parametrize("keep", [0, 10, 60, 200, 1000, -500, -17, -1])
def test_truncated_pack(built, tmp_path, keep):
    store, pack, ident, signer = built
    data = pack.read_bytes()
    cut = keep if keep >= 0 else len(data) + keep
    pack.write_bytes(data[:cut])
    expect_refusal(pack, signer, tmp_path, "signature does not match", identities=[ident])
    # Even re-signed by the genuine key, a truncated pack never opens.
    resign(store, pack)
    expect_refusal(
        pack, signer, tmp_path, "truncated|damaged|header|not an age", identities=[ident]
    )


@pytest.mark.parametrize("where", [30, 120, 400, -300, -2])
def test_one_bit_flipped(built, tmp_path, where):
    store, pack, ident, signer = built
    data = bytearray(pack.read_bytes())
    data[where] ^= 0x04
    pack.write_bytes(bytes(data))
    expect_refusal(pack, signer, tmp_path, "signature does not match", identities=[ident])
    resign(store, pack)
    expect_refusal(
        pack, signer, tmp_path, "damaged|altered|header|identities|truncated", identities=[ident]
    )


def test_re_encrypted_by_someone_else_to_the_same_recipient(built, tmp_path):
    _, pack, ident, signer = built
    plain = pyrage.decrypt(pack.read_bytes(), [ident])
    pack.write_bytes(pyrage.encrypt(plain, [ident.to_public()]))
    expect_refusal(pack, signer, tmp_path, "signature does not match", identities=[ident])


def _reseal(store, pack: Path, ident, mutate) -> None:
    """Decrypt, change the ZIP with ``mutate(zip_in, zip_out)``, encrypt and sign genuinely."""
    plain = pyrage.decrypt(pack.read_bytes(), [ident])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as src, zipfile.ZipFile(out, "w") as dst:
        mutate(src, dst)
    pack.write_bytes(pyrage.encrypt(out.getvalue(), [ident.to_public()]))
    resign(store, pack)


def test_a_file_changed_inside_a_genuinely_signed_pack(built, tmp_path):
    store, pack, ident, signer = built

    def mutate(src, dst):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "posts.csv":
                data = data.replace(b"boatman", b"innocent")
            dst.writestr(info, data)

    _reseal(store, pack, ident, mutate)
    expect_refusal(pack, signer, tmp_path, "posts.csv does not match", identities=[ident])


@pytest.mark.parametrize("evil", ["../escape.txt", "/etc/evil", "evidence/../../x"])
def test_a_zip_entry_leaving_the_folder_is_refused(built, tmp_path, evil):
    store, pack, ident, signer = built

    def mutate(src, dst):
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(evil, b"boo")

    _reseal(store, pack, ident, mutate)
    expect_refusal(pack, signer, tmp_path, "unsafe file name|not in SHA256SUMS", identities=[ident])
    assert not (tmp_path / "escape.txt").exists()


def test_a_file_missing_from_the_pack(built, tmp_path):
    store, pack, ident, signer = built

    def mutate(src, dst):
        for info in src.infolist():
            if info.filename != "accounts.csv":
                dst.writestr(info, src.read(info))

    _reseal(store, pack, ident, mutate)
    expect_refusal(pack, signer, tmp_path, "accounts.csv is listed but missing", identities=[ident])


def test_not_a_zip_inside(built, tmp_path):
    store, pack, ident, signer = built
    pack.write_bytes(pyrage.encrypt(b"just text", [ident.to_public()]))
    resign(store, pack)
    expect_refusal(pack, signer, tmp_path, "not a ZIP", identities=[ident])


def test_destination_that_already_has_files(built, tmp_path):
    _, pack, ident, signer = built
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(TriageError, match="already exists"):
        open_pack(pack, signer, dest, identities=[ident])
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert open_pack(pack, signer, empty, identities=[ident]).files >= 10
