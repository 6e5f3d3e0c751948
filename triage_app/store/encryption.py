"""The store-level operations behind `triage db`: check, encrypt a plain store, change the key.

The order of steps is what makes them safe to interrupt: a new key is recorded (keyring and/or
passphrase-wrapped in the sidecar) before the file that needs it is swapped in, and the old key
is forgotten only after the swap (see keys.py and rewrite.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import TriageError
from .connection import connect, open_store
from .keys import (
    KeyInfo,
    find_key,
    hold_key,
    is_plain_sqlite,
    keyring_delete,
    new_key,
    promote_pending,
    read_keyinfo,
    write_keyinfo,
)
from .opening import describe_key, store_exists
from .rewrite import crash_point, remove_leftovers, rewrite_store


@dataclass
class CheckResult:
    path: str
    encrypted: bool
    key: str
    integrity: list[str] = field(default_factory=list)
    cipher_integrity: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and not self.cipher_integrity

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "encrypted": self.encrypted,
            "key": self.key,
            "integrity_check": self.integrity,
            "cipher_integrity_check": self.cipher_integrity,
            "ok": self.ok,
        }


def _require_store(path: Path) -> None:
    if not store_exists(path):
        raise TriageError(f"No store at {path}")


CHECK_TICK_SECONDS = 1.0  # how often check_store says it is still working
CHECK_TICK_STEPS = 100_000  # SQLite instructions between two looks at the clock


def check_store(path: Path, passphrase: str | None, progress: Any = None) -> CheckResult:
    """Run integrity_check, and cipher_integrity_check on an encrypted store (it checks every
    page's HMAC, so it finds tampering that integrity_check cannot see).

    ``progress(stage, seconds)`` hears which check runs and for how long, about once a second
    (SQLite says nothing of how far one PRAGMA is, only that it is still working)."""
    import time

    _require_store(path)
    remove_leftovers(path)
    key, _source = find_key(path, passphrase)
    conn = connect(path, key)
    stage = ["integrity_check"]
    started = [time.monotonic(), time.monotonic()]  # the stage's start, the last report

    def tick() -> int:
        now = time.monotonic()
        if progress is not None and now - started[1] >= CHECK_TICK_SECONDS:
            started[1] = now
            progress(stage[0], now - started[0])
        return 0  # go on

    conn.set_progress_handler(tick, CHECK_TICK_STEPS)
    try:
        integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        stage[0] = "cipher_integrity_check"
        started[:] = [time.monotonic(), time.monotonic()]
        cipher = (
            [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
            if key is not None
            else []
        )
    finally:
        conn.set_progress_handler(None, 0)
        conn.close()
    return CheckResult(str(path), key is not None, describe_key(path), integrity, cipher)


def encrypt_store(path: Path, passphrase: str | None) -> dict[str, int]:
    """Turn a plain store into an encrypted one, keeping every row; returns the row counts."""
    _require_store(path)
    remove_leftovers(path)
    info = read_keyinfo(path)
    if not is_plain_sqlite(path):
        raise TriageError(f"{path} is already encrypted (use 'triage db rekey' to change the key)")
    if info is not None and info.encrypted:
        find_key(path, passphrase)  # resets the sidecar of an interrupted encrypt
        info = read_keyinfo(path)
    store_id = info.store_id if info else _plain_store_id(path)
    key = new_key()

    def record_key() -> None:
        in_keyring, wrapped = hold_key(store_id, key, passphrase)
        write_keyinfo(
            path, KeyInfo(store_id, encrypted=True, in_keyring=in_keyring, wrapped=wrapped)
        )

    try:
        counts = rewrite_store(path, None, key, before_swap=record_key)
    except BaseException:
        if is_plain_sqlite(path):  # not swapped: the store is still plain, say so again
            keyring_delete(store_id)
            write_keyinfo(path, KeyInfo(store_id, encrypted=False))
        raise
    # Opening the now-encrypted store gives it an evidence key and encrypts its media files
    # (store/evidence_crypto.py); a kill before this is finished by the next opening.
    open_store(path, key=key).close()
    return counts


def _plain_store_id(path: Path) -> str:
    conn = connect(path, None)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    except Exception as exc:
        raise TriageError(f"{path} is not a triage store") from exc
    finally:
        conn.close()
    if row is None:
        raise TriageError(f"{path} is not a triage store (it has no store id)")
    return str(row[0])


def rekey_store(
    path: Path, passphrase: str | None, new_passphrase: str | None = None
) -> dict[str, int]:
    """Give an encrypted store a new random key.

    The new key goes where the old one was (keyring and/or wrapped by the passphrase); a
    ``new_passphrase`` wraps it with that passphrase instead (and adds passphrase protection
    to a keyring-only store, e.g. before moving it to a USB stick)."""
    _require_store(path)
    remove_leftovers(path)
    old_key, _source = find_key(path, passphrase)
    if old_key is None:
        raise TriageError(f"{path} is not encrypted; use 'triage db encrypt' first")
    info = read_keyinfo(path)
    assert info is not None
    wrap_with = new_passphrase or (passphrase if info.wrapped else None)
    key = new_key()

    def record_pending() -> None:
        in_keyring, wrapped = hold_key(info.store_id, key, wrap_with, pending=True)
        write_keyinfo(
            path,
            KeyInfo(
                info.store_id,
                True,
                info.in_keyring,
                info.wrapped,
                pending_in_keyring=in_keyring,
                pending_wrapped=wrapped,
            ),
        )

    try:
        counts = rewrite_store(path, old_key, key, before_swap=record_pending)
    except BaseException:
        current = read_keyinfo(path)
        if current is not None and (current.pending_in_keyring or current.pending_wrapped):
            keyring_delete(info.store_id, pending=True)
            write_keyinfo(path, KeyInfo(info.store_id, True, info.in_keyring, info.wrapped))
        raise
    crash_point("before_promote")
    pending = read_keyinfo(path)
    assert pending is not None
    promote_pending(path, pending, key, interrupted=False)
    if info.in_keyring and not pending.pending_in_keyring:
        keyring_delete(info.store_id)  # the old key must not outlive the change
    return counts
