"""Store keys at rest: the OS keyring, the passphrase-wrapped fallback and the key-info sidecar.

A store's SQLCipher key is 32 random bytes. It lives in the OS keyring under the service
``triage-workstation`` and the user name ``store-key:<store id>``; where no keyring works, or when
the store must travel (a USB stick), it is wrapped with a passphrase (see keywrap.py). The sidecar
``<store>.keyinfo.json`` lets the program find the store id without the key: it holds the store
id, whether the store is encrypted, and only ever the *wrapped* key.

A key change (rekey) first records the new key as "pending" (keyring entry ``...:pending`` and/or
``pending_wrapped`` in the sidecar), then swaps the store file, then promotes the pending key.
Whatever moment a crash hits, one of the recorded keys opens the file."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import TriageError, WrongKeyError
from ..core.fileio import fsync_dir
from .keywrap import unwrap_key, wrap_key

log = logging.getLogger("triage.keys")

SERVICE = "triage-workstation"
SIDECAR_SUFFIX = ".keyinfo.json"
SQLITE_HEADER = b"SQLite format 3\x00"


class KeyringUnavailable(TriageError):
    """No working OS keyring here; ``reason`` says why (for the passphrase prompt)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the OS keyring is not available: {reason}")
        self.reason = reason


class PassphraseNeeded(TriageError):
    """The store's key can only come from a passphrase, and none was given.

    The window catches this to ask for one; the CLI shows the message."""


def new_key() -> bytes:
    """A fresh 256-bit store key."""
    return secrets.token_bytes(32)


# -- the OS keyring ---------------------------------------------------------------------------


def _username(store_id: str, pending: bool = False) -> str:
    return f"store-key:{store_id}" + (":pending" if pending else "")


def _backend() -> Any:
    import keyring
    import keyring.backends.fail

    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring):
        raise KeyringUnavailable("no keyring backend works on this machine")
    return backend


def keyring_problem() -> str | None:
    """None when a keyring backend is configured, else a plain reason."""
    try:
        _backend()
    except KeyringUnavailable as exc:
        return exc.reason
    return None


def keyring_get(store_id: str, *, pending: bool = False) -> bytes | None:
    """The key stored for ``store_id`` (None when the keyring has no entry)."""
    backend = _backend()
    try:
        text = backend.get_password(SERVICE, _username(store_id, pending))
    except Exception as exc:  # locked keyring, no D-Bus, backend errors of every kind
        raise KeyringUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if text is None:
        return None
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == 32 else None


def keyring_set(store_id: str, key: bytes, *, pending: bool = False) -> None:
    backend = _backend()
    try:
        backend.set_password(SERVICE, _username(store_id, pending), base64.b64encode(key).decode())
    except Exception as exc:
        raise KeyringUnavailable(f"{type(exc).__name__}: {exc}") from exc


def keyring_delete(store_id: str, *, pending: bool = False) -> None:
    """Remove an entry; a missing entry or a missing keyring is not an error."""
    try:
        backend = _backend()
        backend.delete_password(SERVICE, _username(store_id, pending))
    except Exception:
        pass


# -- the sidecar ------------------------------------------------------------------------------


@dataclass
class KeyInfo:
    """What ``<store>.keyinfo.json`` holds; never a plain key."""

    store_id: str
    encrypted: bool
    in_keyring: bool = False
    wrapped: dict[str, Any] | None = None
    pending_in_keyring: bool = False
    pending_wrapped: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "triage-keyinfo",
            "version": 1,
            "store_id": self.store_id,
            "encrypted": self.encrypted,
            "key_in_keyring": self.in_keyring,
            "keyring": {"service": SERVICE, "username": _username(self.store_id)},
            "wrapped": self.wrapped,
            "pending_in_keyring": self.pending_in_keyring,
            "pending_wrapped": self.pending_wrapped,
        }


def keyinfo_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + SIDECAR_SUFFIX)


def read_keyinfo(store_path: Path) -> KeyInfo | None:
    """The sidecar beside ``store_path``, or None when there is none."""
    path = keyinfo_path(store_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise TriageError(f"The store's key file {path} cannot be read ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != "triage-keyinfo":
        raise TriageError(f"{path} is not a store key file")
    try:
        return KeyInfo(
            store_id=str(data["store_id"]),
            encrypted=bool(data["encrypted"]),
            in_keyring=bool(data.get("key_in_keyring")),
            wrapped=data.get("wrapped"),
            pending_in_keyring=bool(data.get("pending_in_keyring")),
            pending_wrapped=data.get("pending_wrapped"),
        )
    except KeyError as exc:
        raise TriageError(f"The store's key file {path} lacks {exc}") from exc


def write_keyinfo(store_path: Path, info: KeyInfo) -> None:
    """Replace the sidecar atomically (temp file, fsync, rename, fsync of the folder)."""
    atomic_write(keyinfo_path(store_path), json.dumps(info.to_json(), indent=2) + "\n")


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    # Owner-only: on a shared workstation others need not even see the wrapped key.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def is_plain_sqlite(path: Path) -> bool:
    """Whether the file starts with the plain SQLite header (an encrypted file never does)."""
    with open(path, "rb") as handle:
        return handle.read(16) == SQLITE_HEADER


# -- finding a store's key --------------------------------------------------------------------


@dataclass
class KeyCandidate:
    key: bytes
    source: str  # "keyring", "passphrase", "keyring (pending)", "passphrase (pending)"
    pending: bool


def key_candidates(info: KeyInfo, passphrase: str | None) -> list[KeyCandidate]:
    """Every key that may open the store, current ones first.

    Raises PassphraseNeeded / KeyringUnavailable / TriageError with a plain reason when no key
    can be found at all."""
    found: list[KeyCandidate] = []
    keyring_reason: str | None = None
    unwrap_error: WrongKeyError | None = None
    for pending, in_keyring, wrapped in (
        (False, info.in_keyring, info.wrapped),
        (True, info.pending_in_keyring, info.pending_wrapped),
    ):
        if in_keyring:
            try:
                key = keyring_get(info.store_id, pending=pending)
            except KeyringUnavailable as exc:
                keyring_reason = exc.reason
                key = None
            if key is not None:
                found.append(
                    KeyCandidate(key, "keyring" + (" (pending)" if pending else ""), pending)
                )
        if wrapped and passphrase:
            try:
                key = unwrap_key(wrapped, passphrase, info.store_id)
            except WrongKeyError as exc:
                unwrap_error = unwrap_error or exc
                continue
            found.append(
                KeyCandidate(key, "passphrase" + (" (pending)" if pending else ""), pending)
            )
    if found:
        return found
    if unwrap_error is not None:
        raise unwrap_error
    if info.wrapped and not passphrase:
        hint = f" ({keyring_reason})" if keyring_reason else ""
        raise PassphraseNeeded(
            "This store's key is protected by a passphrase"
            + (" and the OS keyring does not hold it" if info.in_keyring else "")
            + f"{hint}; give it with --passphrase-file or TRIAGE_PASSPHRASE_FILE"
        )
    if keyring_reason:
        raise KeyringUnavailable(keyring_reason)
    raise TriageError(
        f"The OS keyring holds no key for store {info.store_id}; it was probably encrypted on "
        "another machine or account. Copy it with a passphrase-wrapped key ('triage db rekey "
        "--new-passphrase-file F' where it was made)"
    )


def probe_key(path: Path, key: bytes) -> bool:
    """Whether ``key`` opens the store; a wrong key writes nothing and creates no file."""
    from .connection import connect

    try:
        conn = connect(path, key)
    except WrongKeyError:
        return False
    conn.close()
    return True


def promote_pending(
    store_path: Path, info: KeyInfo, key: bytes, *, interrupted: bool = True
) -> KeyInfo:
    """Finish an interrupted rekey: the pending key opened the store, so it becomes current."""
    if info.pending_in_keyring:
        keyring_set(info.store_id, key)
    promoted = KeyInfo(
        store_id=info.store_id,
        encrypted=True,
        in_keyring=info.pending_in_keyring,
        wrapped=info.pending_wrapped,
    )
    write_keyinfo(store_path, promoted)
    if info.pending_in_keyring:
        keyring_delete(info.store_id, pending=True)
    if interrupted:
        log.warning("finished an interrupted key change for %s", store_path)
    return promoted


def find_key(store_path: Path, passphrase: str | None) -> tuple[bytes | None, str]:
    """The key that opens the store at ``store_path`` (None for a plain store) and its source."""
    info = read_keyinfo(store_path)
    if info is None or not info.encrypted:
        if is_plain_sqlite(store_path):
            return None, "plain"
        if info is None:
            raise TriageError(
                f"{store_path} is encrypted (or not a store) and its key file "
                f"{keyinfo_path(store_path).name} is missing; copy it from where the store "
                "came from"
            )
        raise WrongKeyError()
    if is_plain_sqlite(store_path):
        # `db encrypt` was interrupted before its swap: the plain file is still the store.
        log.warning(
            "%s is still unencrypted (an earlier 'db encrypt' did not finish); run "
            "'triage db encrypt' again",
            store_path,
        )
        if info.in_keyring:
            keyring_delete(info.store_id)
        write_keyinfo(store_path, KeyInfo(info.store_id, encrypted=False))
        return None, "plain"
    candidates = key_candidates(info, passphrase)
    if len(candidates) == 1 and not candidates[0].pending:
        return candidates[0].key, candidates[0].source
    for candidate in candidates:
        if probe_key(store_path, candidate.key):
            if candidate.pending:
                info = promote_pending(store_path, info, candidate.key)
            else:
                discard_pending(store_path, info)
            return candidate.key, candidate.source.replace(" (pending)", "")
    raise WrongKeyError()


def discard_pending(store_path: Path, info: KeyInfo) -> KeyInfo:
    """Forget a pending key that never reached the store (the rekey died before the swap)."""
    if not (info.pending_in_keyring or info.pending_wrapped):
        return info
    if info.pending_in_keyring:
        keyring_delete(info.store_id, pending=True)
    cleaned = KeyInfo(info.store_id, True, info.in_keyring, info.wrapped)
    write_keyinfo(store_path, cleaned)
    return cleaned


def hold_key(
    store_id: str, key: bytes, passphrase: str | None, *, pending: bool = False
) -> tuple[bool, dict[str, Any] | None]:
    """Put ``key`` where it will be found again: the keyring when it works, and a
    passphrase-wrapped copy when a passphrase is given. Returns (in_keyring, wrapped).

    With neither available, raises PassphraseNeeded naming why the keyring failed. A given
    passphrase must be strong enough (store/strength.py), or WeakPassphrase is raised before
    anything is stored."""
    if passphrase is not None:
        from .paths import current_user
        from .strength import require_strong

        require_strong(passphrase, [current_user()])
    in_keyring = False
    reason = None
    try:
        keyring_set(store_id, key, pending=pending)
        in_keyring = keyring_get(store_id, pending=pending) == key
        if not in_keyring:
            reason = "the keyring did not keep the key"
    except KeyringUnavailable as exc:
        reason = exc.reason
    wrapped = wrap_key(key, passphrase, store_id) if passphrase else None
    if not in_keyring and wrapped is None:
        raise PassphraseNeeded(
            f"The OS keyring is not available ({reason}). Give a passphrase with "
            "--passphrase-file or TRIAGE_PASSPHRASE_FILE to protect the store key, or set "
            "TRIAGE_PLAIN_STORE=1 for an unencrypted store"
        )
    if not in_keyring:
        log.warning(
            "The OS keyring is not available (%s); the store key is protected by your "
            "passphrase only",
            reason,
        )
    return in_keyring, wrapped
