"""minisign signatures for packs: the store's Ed25519 signing key (made on first use, kept in
the OS keyring, or inside an encrypted store where no keyring works), public-key export in
minisign's .pub format, signing and verification.

Signatures are minisign's pre-hashed kind (BLAKE2b-512 of the file, then Ed25519), which the
real ``minisign -Vm FILE -p KEY.pub`` checks and which lets us stream files of any size."""

from __future__ import annotations

import base64
import hashlib
import logging
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
from ..core.fileio import create_new_private, create_new_private_text
from ..core.timeutil import utc_now_iso
from ..store.connection import DatabaseError, Store

KEYRING_SERVICE = "triage-workstation"
SIGNATURE_SUFFIX = ".minisig"

log = logging.getLogger("triage.packs")


class SignatureError(TriageError):
    """The signature is missing, malformed, from another key, or does not match the file."""


def _keyring_username(store_id: str) -> str:
    return f"signing-key:{store_id}"


StoreOrId = Store | str


class _NoKeyring(Exception):
    """The OS keyring did not work (fail backend, locked, no D-Bus); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _keyring_read(username: str) -> str | None:
    try:
        return keyring.get_password(KEYRING_SERVICE, username)
    except Exception as exc:  # NoKeyringError, a locked keyring, D-Bus errors of every kind
        raise _NoKeyring(str(exc) or type(exc).__name__) from exc


def _keyring_write(username: str, secret: str) -> None:
    try:
        keyring.set_password(KEYRING_SERVICE, username, secret)
    except Exception as exc:
        raise _NoKeyring(str(exc) or type(exc).__name__) from exc


def _no_keyring_error(reason: str) -> TriageError:
    return TriageError(
        f"No working OS keyring to hold the pack signing key ({reason}); "
        "unlock or install a keyring (e.g. GNOME Keyring, KWallet) and try again"
    )


@dataclass(frozen=True)
class _Recorded:
    place: str
    key_id: str
    secret: str | None


def _recorded(store: Store) -> _Recorded | None:
    row = store.execute("SELECT place, key_id, secret_key FROM signing_key WHERE id = 1").fetchone()
    return None if row is None else _Recorded(str(row[0]), str(row[1]), row[2])


def _write_row(store: Store, sql: str, params: tuple[Any, ...]) -> None:
    if store.conn.in_transaction:
        store.execute(sql, params)
    else:
        with store.transaction() as conn:
            conn.execute(sql, params)


def _public_fields(secret: Any) -> tuple[str, str]:
    public = minisign.PublicKey.from_secret_key(secret)
    return key_id_hex(public), public.to_base64().decode("ascii")


def _note_keyring_key(store: Store, secret: Any, row: _Recorded | None) -> None:
    """Record in the store that its key is in the keyring (public half only), best effort: a
    store that cannot be written now is recorded next time."""
    key_id, public = _public_fields(secret)
    if row is not None and row.place == "keyring" and row.key_id == key_id:
        return
    try:
        _write_row(
            store,
            "INSERT OR REPLACE INTO signing_key(id, place, key_id, public_key, secret_key, "
            "created_at) VALUES (1, 'keyring', ?, ?, NULL, ?)",
            (key_id, public, utc_now_iso()),
        )
    except DatabaseError:
        log.warning("could not record the signing key's place in the store", exc_info=True)


def _secret_from_store(row: _Recorded) -> Any:
    try:
        return minisign.SecretKey.from_base64(str(row.secret).encode("ascii"))
    except (minisign.Error, ValueError, UnicodeError) as exc:
        raise TriageError(
            "The pack signing key kept in this store is damaged; recipients' copies of the "
            f"public key (key id {row.key_id}) can no longer be matched"
        ) from exc


def _create_in_store(store: Store, reason: str) -> Any:
    """Keep a new key inside the store, which must be encrypted (SQLCipher): the secret is then
    protected exactly like the store's evidence and its sync identity."""
    if store.key is None and store.backend != "postgresql":
        raise TriageError(
            f"No working OS keyring to hold the pack signing key ({reason}) and this store is "
            "not encrypted; encrypt it with 'triage db encrypt' (the key is then kept inside "
            "the store) or use a working OS keyring"
        )
    pair = minisign.KeyPair.generate()
    key_id, public = _public_fields(pair.secret_key)
    # OR IGNORE, then read back: two processes creating at once end with the same key.
    _write_row(
        store,
        "INSERT OR IGNORE INTO signing_key(id, place, key_id, public_key, secret_key, "
        "created_at) VALUES (1, 'store', ?, ?, ?, ?)",
        (key_id, public, pair.secret_key.to_base64().decode("ascii"), utc_now_iso()),
    )
    row = _recorded(store)
    if row is None or row.place != "store":
        raise TriageError("The store did not keep the pack signing key; try again")
    return _secret_from_store(row)


def signing_key(store: StoreOrId, *, create: bool = True) -> Any:
    """The store's minisign secret key, made and saved on first use.

    Where it lives: the OS keyring (service ``triage-workstation``, user
    ``signing-key:<store id>``) when one works; otherwise, for an encrypted store, inside the
    store (table ``signing_key``). The store records which, so the same key is found again
    and a key in a keyring that stops working is reported rather than silently replaced. A
    plain store with no keyring is refused: a secret key never goes into a plain file."""
    if isinstance(store, Store):
        opened: Store | None = store
        store_id = store.store_id
    else:
        store_id = store  # given only an id (a store not open here), only the keyring is asked
        opened = None
    row = _recorded(opened) if opened is not None else None
    if row is not None and row.place == "store":
        return _secret_from_store(row)
    if opened is not None and opened.backend == "postgresql":
        # A team's server store: every supervisor's workstation signs with the one key the
        # server holds (readable by supervisors only), never one machine's keyring.
        if not create:
            raise TriageError("This store has no pack signing key yet; build a pack first")
        return _create_in_store(opened, "a store on a PostgreSQL server keeps its own key")
    username = _keyring_username(store_id)
    try:
        stored = _keyring_read(username)
    except _NoKeyring as exc:
        if row is not None:
            raise TriageError(
                f"This store's pack signing key (key id {row.key_id}) is in the OS keyring, "
                f"which does not work here ({exc.reason}); unlock the keyring, or sign on the "
                "machine whose keyring holds the key"
            ) from exc
        if opened is None:
            raise _no_keyring_error(exc.reason) from exc
        if not create:
            raise TriageError("This store has no pack signing key yet; build a pack first") from exc
        return _create_in_store(opened, exc.reason)
    if stored:
        try:
            secret = minisign.SecretKey.from_base64(stored)
        except minisign.Error as exc:
            raise TriageError(
                f"The pack signing key in the keyring ({KEYRING_SERVICE} / {username}) is "
                "damaged; remove that entry to make a new key (recipients then need the new "
                "public key)"
            ) from exc
        if opened is not None:
            _note_keyring_key(opened, secret, row)
        return secret
    if not create:
        raise TriageError("This store has no pack signing key yet; build a pack first")
    pair = minisign.KeyPair.generate()
    try:
        _keyring_write(username, pair.secret_key.to_base64().decode())
    except _NoKeyring as exc:
        # A keyring that reads but refuses to store (locked for writing): same as none.
        if opened is None:
            raise _no_keyring_error(exc.reason) from exc
        return _create_in_store(opened, exc.reason)
    # Read it back: a keyring that silently drops secrets would make every pack unverifiable.
    try:
        kept = _keyring_read(username)
    except _NoKeyring:
        kept = None
    if kept is None:
        raise TriageError("The OS keyring did not keep the pack signing key; check the keyring")
    if opened is not None:
        _note_keyring_key(opened, pair.secret_key, row)
    return pair.secret_key


def key_id_hex(public_key: Any) -> str:
    """The key id minisign prints (16 hex digits, most significant byte first)."""
    return bytes(public_key._keynum_pk.key_id)[::-1].hex().upper()


def public_key_of(store_id: StoreOrId) -> Any:
    if isinstance(store_id, Store) and store_id.backend == "postgresql":
        # On a team server everyone may read the public half, only supervisors the secret
        # (store/pg/roles.py): the public key comes from its own column.
        row = store_id.execute("SELECT public_key FROM signing_key WHERE id = 1").fetchone()
        if row is not None:
            return minisign.PublicKey.from_base64(str(row[0]).encode("ascii"))
    secret = signing_key(store_id)
    return minisign.PublicKey.from_secret_key(secret)


def public_key_text(store_id: StoreOrId) -> str:
    """The public key in minisign's .pub format (two lines), as `minisign -p` reads it."""
    public = public_key_of(store_id)
    public.untrusted_comment = f"minisign public key {key_id_hex(public)}"
    return bytes(public).decode("ascii") + "\n"


@dataclass(frozen=True)
class Signed:
    path: Path
    key_id: str


def write_public_key(store: StoreOrId, path: Path) -> None:
    """Write the store's signer public key (``signer.pub``) to ``path``, never over a file."""
    text = public_key_text(store)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise TriageError(f"{path} already exists; choose another name") from exc
    except OSError as exc:
        raise TriageError(f"Cannot write {path}: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


def sign_file(
    store_id: StoreOrId, path: Path, signature_path: Path, trusted_comment: str
) -> Signed:
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
    with create_new_private(signature_path) as out:
        out.write(bytes(signature) + b"\n")
        out.flush()
        os.fsync(out.fileno())
    return Signed(signature_path, key_id_hex(minisign.PublicKey.from_secret_key(secret)))


def prehash() -> Any:
    """The hash minisign signs for a pre-hashed signature: feed it the file's bytes."""
    return hashlib.blake2b(digest_size=64)


def sign_digest(
    store_id: StoreOrId, digest: bytes, signature_path: Path, trusted_comment: str
) -> Signed:
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
    with create_new_private_text(signature_path, encoding="ascii") as out:
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
