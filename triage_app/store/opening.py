"""How the CLI and the window open a store: find its key (keyring or passphrase), then open.

This is the one place that decides plain vs encrypted. New stores are SQLCipher-encrypted with
a random 256-bit key held in the OS keyring (and wrapped by the passphrase when one is given);
``encrypted=False`` or TRIAGE_PLAIN_STORE=1 creates a plain SQLite store instead."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .connection import Store, open_store
from .keys import (
    KeyInfo,
    find_key,
    hold_key,
    keyinfo_path,
    keyring_delete,
    new_key,
    read_keyinfo,
    write_keyinfo,
)
from .rewrite import remove_leftovers

log = logging.getLogger("triage.keys")

CREATING_SUFFIX = ".creating"


def plain_requested() -> bool:
    """Whether TRIAGE_PLAIN_STORE asks for unencrypted new stores."""
    return os.environ.get("TRIAGE_PLAIN_STORE", "").strip().lower() in ("1", "true", "yes")


def store_exists(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def open_for_user(
    path: Path,
    *,
    create: bool = False,
    user: str | None = None,
    data_dir: Path | None = None,
    passphrase: str | None = None,
    encrypted: bool | None = None,
    key_passphrase: str | None = None,
    quiet_key: bool = False,
) -> Store:
    """Open the store at ``path`` (creating it when ``create``) for ``user``.

    An existing store opens with the key its sidecar points to; a new one is encrypted unless
    ``encrypted`` is False (or None and TRIAGE_PLAIN_STORE=1). ``key_passphrase`` (by default
    ``passphrase``) protects the person's own signing key where no keyring works
    (store/personal_keys.py). ``quiet_key``: a command that signs nothing (import) makes the
    store without warning that no personal key is at hand."""
    from .personal_keys import register_own_key_on_creation, set_key_passphrase

    existed = store_exists(Path(path))
    store = _open_for_user(path, create, user, passphrase, encrypted)
    set_key_passphrase(store, key_passphrase if key_passphrase is not None else passphrase)
    if not existed:
        # The maker is the store's first supervisor.
        register_own_key_on_creation(store, quiet=quiet_key)
    return store


def _open_for_user(
    path: Path,
    create: bool,
    user: str | None,
    passphrase: str | None,
    encrypted: bool | None,
) -> Store:
    path = Path(path)
    if store_exists(path):
        remove_leftovers(path)
        key, _source = find_key(path, passphrase)
        return open_store(path, user=user, key=key)
    if not create:
        return open_store(path, user=user)  # raises the plain "No store at ..." message
    if encrypted is None:
        encrypted = not plain_requested()
    if not encrypted:
        store = open_store(path, user=user, create=True)
        write_keyinfo(path, KeyInfo(store.store_id, encrypted=False))
        return store
    return _create_encrypted(path, user, passphrase)


def _create_encrypted(path: Path, user: str | None, passphrase: str | None) -> Store:
    """Build the new store under a temporary name, record its key, then give it its name, so a
    failure (no keyring, no passphrase) never leaves a store nobody can open."""
    from ..core.errors import TriageError

    if not path.parent.exists():
        raise TriageError(f"Folder {path.parent} does not exist")
    key = new_key()
    tmp = path.with_name(path.name + CREATING_SUFFIX)
    _remove_with_journals(tmp)
    store = open_store(tmp, user=user, key=key, create=True)
    os.chmod(tmp, 0o600)  # owner-only, like the key file beside it
    store_id = store.store_id
    store.close()
    try:
        in_keyring, wrapped = hold_key(store_id, key, passphrase)
        write_keyinfo(
            path, KeyInfo(store_id, encrypted=True, in_keyring=in_keyring, wrapped=wrapped)
        )
        os.replace(tmp, path)
    except BaseException:
        _remove_with_journals(tmp)
        keyring_delete(store_id)
        if not store_exists(path):
            keyinfo_path(path).unlink(missing_ok=True)
        raise
    for extra in ("-wal", "-shm"):
        Path(str(tmp) + extra).unlink(missing_ok=True)
    return open_store(path, user=user, key=key)


def _remove_with_journals(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + extra).unlink(missing_ok=True)


def describe_key(path: Path) -> str:
    """Where the store's key is kept, in words (for `db check` and the status bar)."""
    info = read_keyinfo(path)
    if info is None or not info.encrypted:
        return "not encrypted"
    holders = []
    if info.in_keyring:
        holders.append("OS keyring")
    if info.wrapped:
        holders.append("passphrase")
    return "encrypted; key held by " + " and ".join(holders or ["nothing"])
