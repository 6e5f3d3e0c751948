"""minisign signatures for packs: the store's Ed25519 signing key (made on first use, kept in
the OS keyring), public-key export in minisign's .pub format, signing and verification.

Signatures are minisign's pre-hashed kind (BLAKE2b-512 of the file, then Ed25519), which the
real ``minisign -Vm FILE -p KEY.pub`` checks and which lets us stream files of any size."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import minisign
from cryptography.hazmat.primitives.asymmetric import ed25519

from ..core.errors import TriageError

KEYRING_SERVICE = "triage-workstation"
SIGNATURE_SUFFIX = ".minisig"


class SignatureError(TriageError):
    """The signature is missing, malformed, from another key, or does not match the file."""


def _keyring_username(store_id: str) -> str:
    return f"signing-key:{store_id}"


def _keyring_get(username: str) -> str | None:
    try:
        return keyring.get_password(KEYRING_SERVICE, username)
    except keyring.errors.KeyringError as exc:
        raise TriageError(
            f"No working OS keyring to hold the pack signing key ({exc}); "
            "unlock or install a keyring (e.g. GNOME Keyring, KWallet) and try again"
        ) from exc


def signing_key(store_id: str, *, create: bool = True) -> Any:
    """The store's minisign secret key from the keyring, made and saved on first use."""
    username = _keyring_username(store_id)
    stored = _keyring_get(username)
    if stored:
        try:
            return minisign.SecretKey.from_base64(stored)
        except minisign.Error as exc:
            raise TriageError(
                f"The pack signing key in the keyring ({KEYRING_SERVICE} / {username}) is "
                "damaged; remove that entry to make a new key (recipients then need the new "
                "public key)"
            ) from exc
    if not create:
        raise TriageError("This store has no pack signing key yet; build a pack first")
    pair = minisign.KeyPair.generate()
    try:
        keyring.set_password(KEYRING_SERVICE, username, pair.secret_key.to_base64().decode())
    except keyring.errors.KeyringError as exc:
        raise TriageError(
            f"No working OS keyring to hold the pack signing key ({exc}); "
            "unlock or install a keyring (e.g. GNOME Keyring, KWallet) and try again"
        ) from exc
    # Read it back: a keyring that silently drops secrets would make every pack unverifiable.
    if _keyring_get(username) is None:
        raise TriageError("The OS keyring did not keep the pack signing key; check the keyring")
    return pair.secret_key


def key_id_hex(public_key: Any) -> str:
    """The key id minisign prints (16 hex digits, most significant byte first)."""
    return bytes(public_key._keynum_pk.key_id)[::-1].hex().upper()


def public_key_of(store_id: str) -> Any:
    secret = signing_key(store_id)
    return minisign.PublicKey.from_secret_key(secret)


def public_key_text(store_id: str) -> str:
    """The public key in minisign's .pub format (two lines), as `minisign -p` reads it."""
    public = public_key_of(store_id)
    public.untrusted_comment = f"minisign public key {key_id_hex(public)}"
    return bytes(public).decode("ascii") + "\n"


@dataclass(frozen=True)
class Signed:
    path: Path
    key_id: str


def sign_file(store_id: str, path: Path, signature_path: Path, trusted_comment: str) -> Signed:
    """Write a minisign signature of ``path`` to ``signature_path`` (a new file)."""
    secret = signing_key(store_id)
    comment = _printable(trusted_comment)
    with open(path, "rb") as handle:
        signature = secret.sign(
            handle,
            prehash=True,
            untrusted_comment="signature from triage workstation secret key",
            trusted_comment=comment,
        )
    with open(signature_path, "xb") as out:
        out.write(bytes(signature) + b"\n")
        out.flush()
        os.fsync(out.fileno())
    return Signed(signature_path, key_id_hex(minisign.PublicKey.from_secret_key(secret)))


def prehash() -> Any:
    """The hash minisign signs for a pre-hashed signature: feed it the file's bytes."""
    return hashlib.blake2b(digest_size=64)


def sign_digest(store_id: str, digest: bytes, signature_path: Path, trusted_comment: str) -> Signed:
    """Write a minisign signature for a file whose BLAKE2b-512 ``digest`` the caller computed
    while writing it (a pack is then never read a second time just to be signed).

    The lines are minisign's: untrusted comment, base64("ED" + key id + Ed25519(digest)),
    trusted comment, base64(Ed25519(signature + trusted comment))."""
    secret = signing_key(store_id)
    comment = _printable(trusted_comment)
    private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(secret._keynum_sk.secret_key))
    key_id = bytes(secret._keynum_sk.key_id)
    signature = private.sign(digest)
    global_signature = private.sign(signature + comment.encode("ascii"))
    text = (
        "untrusted comment: signature from triage workstation secret key\n"
        + base64.b64encode(b"ED" + key_id + signature).decode("ascii")
        + "\n"
        + f"trusted comment: {comment}\n"
        + base64.b64encode(global_signature).decode("ascii")
        + "\n"
    )
    with open(signature_path, "x", encoding="ascii") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return Signed(signature_path, key_id[::-1].hex().upper())


def _printable(comment: str) -> str:
    """minisign comments are one line of printable ASCII (tabs allowed), at most 1000 chars."""
    return "".join(ch if " " <= ch < "\x7f" or ch == "\t" else "_" for ch in comment)[:1000]


def load_public_key(path: Path) -> Any:
    """A minisign public key from a .pub file (or a file holding just the base64 line)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TriageError(f"Cannot read signer key {path}: {exc.strerror or exc}") from exc
    lines = [line.strip() for line in data.splitlines() if line.strip()]
    try:
        if len(lines) == 2 and lines[0].startswith(b"untrusted comment:"):
            return minisign.PublicKey.from_bytes(b"\n".join(lines))
        if len(lines) == 1:
            return minisign.PublicKey.from_base64(lines[0])
    except minisign.Error:
        pass
    raise TriageError(f"{path} is not a minisign public key")


@dataclass(frozen=True)
class Verified:
    key_id: str
    trusted_comment: str
    timestamp: int | None


def verify_file(path: Path, signature_path: Path, public_key: Any) -> Verified:
    """Check the minisign signature of ``path``; SignatureError with one plain line if not."""
    if not Path(signature_path).is_file():
        raise SignatureError(f"No signature file {signature_path} beside the pack")
    try:
        signature = minisign.Signature.from_file(signature_path)
    except (OSError, minisign.Error) as exc:
        raise SignatureError(
            f"Signature file {signature_path} is not a minisign signature"
        ) from exc
    signer_id = bytes(signature._key_id)[::-1].hex().upper()
    expected_id = key_id_hex(public_key)
    if signer_id != expected_id:
        raise SignatureError(
            f"The pack was signed by key {signer_id}, not by the signer key given ({expected_id})"
        )
    try:
        with open(path, "rb") as handle:
            public_key.verify(handle, signature)
    except OSError as exc:
        raise TriageError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except minisign.Error as exc:
        raise SignatureError(
            f"The signature does not match {Path(path).name}: the file was altered, truncated "
            "or re-encrypted after signing"
        ) from exc
    trusted = signature.trusted_comment
    return Verified(expected_id, trusted, _timestamp(trusted))


def _timestamp(trusted: str) -> int | None:
    for part in trusted.split("\t"):
        if part.startswith("timestamp:"):
            try:
                return int(part.split(":", 1)[1])
            except ValueError:
                return None
    return None


def now_comment(**fields: str) -> str:
    """A minisign trusted comment in its usual ``key:value`` tab-separated form."""
    parts = [f"timestamp:{int(time.time())}"]
    parts += [f"{k}:{v}" for k, v in fields.items()]
    return "\t".join(parts)
