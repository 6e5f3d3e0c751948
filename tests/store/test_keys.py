"""Store keys at rest: keyring by default, passphrase fallback, plain option, never a plain key."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from tests.store.keys_helpers import files_containing, fill
from triage_app.core.errors import TriageError, WrongKeyError
from triage_app.store.connection import connect
from triage_app.store.keys import (
    SERVICE,
    KeyringUnavailable,
    PassphraseNeeded,
    keyinfo_path,
    read_keyinfo,
)
from triage_app.store.keywrap import unwrap_key
from triage_app.store.opening import open_for_user


def test_new_store_is_unreadable_to_sqlite3_and_opens_with_keyring_key(
    isolated_data_dir: Path, memory_keyring
) -> None:
    path = isolated_data_dir / "store.db"
    store = open_for_user(path, create=True)
    fill(store, isolated_data_dir)
    store_id = store.store_id
    store.close()

    # The real sqlite3 program and Python's stdlib sqlite3 both see no database.
    cli = subprocess.run(
        ["/usr/bin/sqlite3", str(path), "SELECT count(*) FROM posts"],
        capture_output=True,
        text=True,
    )
    assert cli.returncode != 0
    assert "not a database" in cli.stderr
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert b"Crossing to UK" not in path.read_bytes()

    # The key is in the keyring under the store id, and opens the store.
    text = memory_keyring.secrets[(SERVICE, f"store-key:{store_id}")]
    assert text
    again = open_for_user(path)
    assert again.scalar("SELECT count(*) FROM posts") == 20
    assert again.store_id == store_id
    again.close()
    info = read_keyinfo(path)
    assert info is not None and info.encrypted and info.in_keyring and info.wrapped is None


def test_fail_keyring_without_passphrase_says_so_and_creates_nothing(
    isolated_data_dir: Path,
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    path = isolated_data_dir / "store.db"
    with pytest.raises(PassphraseNeeded) as caught:
        open_for_user(path, create=True)
    message = str(caught.value)
    assert "keyring is not available" in message and "--passphrase-file" in message
    assert "\n" not in message
    assert list(isolated_data_dir.iterdir()) == []


def test_fail_keyring_passphrase_path_leaves_no_key_bytes_on_disk(
    isolated_data_dir: Path,
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    path = isolated_data_dir / "store.db"
    store = open_for_user(path, create=True, passphrase="pass phrase 1")
    fill(store, isolated_data_dir)
    key = store.key
    assert key is not None and len(key) == 32
    store_id = store.store_id
    store.close()

    info = read_keyinfo(path)
    assert info is not None and info.encrypted and not info.in_keyring and info.wrapped
    assert unwrap_key(info.wrapped, "pass phrase 1", store_id) == key
    assert files_containing(isolated_data_dir, key) == []

    reopened = open_for_user(path, passphrase="pass phrase 1")
    assert reopened.scalar("SELECT count(*) FROM posts") == 20
    reopened.close()
    with pytest.raises(PassphraseNeeded):
        open_for_user(path)
    with pytest.raises(WrongKeyError, match="wrong passphrase"):
        open_for_user(path, passphrase="not it")


def test_passphrase_and_keyring_both_hold_the_key(isolated_data_dir: Path, memory_keyring) -> None:
    path = isolated_data_dir / "store.db"
    store = open_for_user(path, create=True, passphrase="travel phrase")
    store_id = store.store_id
    store.close()
    # On another machine (no keyring entry) the passphrase alone opens it.
    memory_keyring.secrets.clear()
    store = open_for_user(path, passphrase="travel phrase")
    assert store.store_id == store_id
    store.close()


def test_keyring_errors_are_caught_and_reported(isolated_data_dir: Path, memory_keyring) -> None:
    path = isolated_data_dir / "store.db"
    open_for_user(path, create=True).close()

    class LockedKeyring(type(memory_keyring)):  # type: ignore[misc]
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("the keyring is locked")

    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringUnavailable, match="locked"):
        open_for_user(path)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_wrong_key_changes_nothing_and_creates_no_file(
    isolated_data_dir: Path, memory_keyring
) -> None:
    path = isolated_data_dir / "store.db"
    store = open_for_user(path, create=True)
    fill(store, isolated_data_dir, 5)
    store_id = store.store_id
    store.close()
    before = _digest(path)
    names = sorted(p.name for p in isolated_data_dir.iterdir())
    assert not any(n.endswith(("-wal", "-shm")) for n in names)

    memory_keyring.secrets[(SERVICE, f"store-key:{store_id}")] = (
        "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="  # 32 bytes of 'A'
    )
    with pytest.raises(WrongKeyError, match="wrong key or damaged store"):
        open_for_user(path)
    with pytest.raises(WrongKeyError):
        connect(path, b"\x01" * 32)
    with pytest.raises(WrongKeyError):
        connect(path, None)  # no key at all
    assert _digest(path) == before
    assert sorted(p.name for p in isolated_data_dir.iterdir()) == names


def test_damaged_store_is_refused_without_a_new_store(
    isolated_data_dir: Path, memory_keyring
) -> None:
    path = isolated_data_dir / "store.db"
    open_for_user(path, create=True).close()
    data = bytearray(path.read_bytes())
    data[100:200] = b"\xff" * 100  # inside page 1: its HMAC no longer matches
    path.write_bytes(bytes(data))
    before = _digest(path)
    with pytest.raises(WrongKeyError, match="wrong key or damaged store"):
        open_for_user(path, create=True)
    assert _digest(path) == before
    assert sorted(p.name for p in isolated_data_dir.iterdir()) == [
        "store.db",
        "store.db.keyinfo.json",
    ]


def test_missing_sidecar_is_a_plain_error(isolated_data_dir: Path) -> None:
    path = isolated_data_dir / "store.db"
    open_for_user(path, create=True).close()
    keyinfo_path(path).unlink()
    with pytest.raises(TriageError, match="key file store.db.keyinfo.json is missing"):
        open_for_user(path)


def test_plain_store_on_request(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = isolated_data_dir / "plain.db"
    open_for_user(path, create=True, encrypted=False).close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM tags").fetchone()[0] > 0
    info = read_keyinfo(path)
    assert info is not None and not info.encrypted and info.wrapped is None

    monkeypatch.setenv("TRIAGE_PLAIN_STORE", "1")
    env_path = isolated_data_dir / "env-plain.db"
    open_for_user(env_path, create=True).close()
    assert env_path.read_bytes()[:16] == b"SQLite format 3\x00"
    # A store made by open_store directly (no sidecar) still opens as plain.
    keyinfo_path(env_path).unlink()
    store = open_for_user(env_path)
    assert store.scalar("SELECT count(*) FROM users") == 1
    store.close()


def test_wrapped_key_is_bound_to_its_store(isolated_data_dir: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    one, two = isolated_data_dir / "one.db", isolated_data_dir / "two.db"
    open_for_user(one, create=True, passphrase="same phrase").close()
    open_for_user(two, create=True, passphrase="same phrase").close()
    # Swapping the key files: the wrapped key does not unwrap beside the other store.
    a, b = keyinfo_path(one).read_text(), keyinfo_path(two).read_text()
    keyinfo_path(one).write_text(
        b.replace(
            read_keyinfo(two).store_id,  # type: ignore[union-attr]
            read_keyinfo(one).store_id,
        )
    )  # type: ignore[union-attr]
    del a
    with pytest.raises(WrongKeyError):
        open_for_user(one, passphrase="same phrase")


def test_store_and_key_file_are_owner_only(isolated_data_dir: Path) -> None:
    path = isolated_data_dir / "store.db"
    open_for_user(path, create=True, passphrase="owner only please").close()
    assert path.stat().st_mode & 0o077 == 0
    assert keyinfo_path(path).stat().st_mode & 0o077 == 0
    from triage_app.store.encryption import rekey_store

    rekey_store(path, "owner only please")
    assert path.stat().st_mode & 0o077 == 0
    assert keyinfo_path(path).stat().st_mode & 0o077 == 0
