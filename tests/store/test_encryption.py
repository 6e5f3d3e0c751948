"""`db encrypt` keeps every row; `db rekey` survives SIGKILL at any point with a usable key."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from tests.conftest import ROOT
from tests.store.keys_helpers import files_containing, fill
from triage_app.core.errors import TriageError
from triage_app.store import open_store
from triage_app.store.connection import connect
from triage_app.store.encryption import check_store, encrypt_store, rekey_store
from triage_app.store.keys import SERVICE, read_keyinfo
from triage_app.store.keywrap import unwrap_key
from triage_app.store.opening import open_for_user
from triage_app.store.rewrite import table_counts

PASS = "field laptop phrase"


def _rows(path: Path, key: bytes | None) -> dict[str, list[tuple]]:
    conn = connect(path, key)
    try:
        names = table_counts(conn)
        rows = {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}
        # An encrypted store also holds its evidence key (store/evidence_crypto.py).
        rows["meta"] = [r for r in rows.get("meta", []) if not r.startswith("('evidence_")]
        return rows
    finally:
        conn.close()


def test_encrypt_plain_store_keeps_every_row(isolated_data_dir: Path, memory_keyring) -> None:
    path = isolated_data_dir / "store.db"
    store = open_for_user(path, create=True, encrypted=False)
    fill(store, isolated_data_dir, 50)
    store.close()
    before = _rows(path, None)
    version = connect(path).execute("PRAGMA user_version").fetchone()[0]

    counts = encrypt_store(path, None)
    assert sum(counts.values()) == sum(len(v) for v in before.values())
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    store = open_for_user(path)
    assert _rows(path, store.key) == before
    assert store.scalar("PRAGMA user_version") == version
    # Full-text search still works in the copy.
    assert store.scalar("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'crossing'") == 50
    key = store.key
    store.close()
    assert key is not None
    # Nothing plain behind: no leftover copies, no plaintext, no key.
    names = sorted(p.name for p in isolated_data_dir.iterdir() if p.suffix != ".jsonl")
    assert names == ["store.db", "store.db.keyinfo.json"]
    assert files_containing(isolated_data_dir, key) == []
    result = check_store(path, None)
    assert result.ok and result.encrypted


def test_encrypt_refuses_an_encrypted_store_and_rekey_a_plain_one(
    isolated_data_dir: Path,
) -> None:
    enc, plain = isolated_data_dir / "enc.db", isolated_data_dir / "plain.db"
    open_for_user(enc, create=True).close()
    open_for_user(plain, create=True, encrypted=False).close()
    with pytest.raises(TriageError, match="already encrypted"):
        encrypt_store(enc, None)
    with pytest.raises(TriageError, match="not encrypted"):
        rekey_store(plain, None)


def test_encrypt_refuses_while_another_program_uses_the_store(isolated_data_dir: Path) -> None:
    path = isolated_data_dir / "store.db"
    store = open_for_user(path, create=True, encrypted=False)
    fill(store, isolated_data_dir, 3)
    with pytest.raises(TriageError, match="in use by another program"):
        encrypt_store(path, None)
    store.close()
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert read_keyinfo(path).encrypted is False  # type: ignore[union-attr]
    assert not [p for p in isolated_data_dir.iterdir() if "rewrite" in p.name]


def test_rekey_changes_the_key_and_forgets_the_old(isolated_data_dir: Path, memory_keyring) -> None:
    path = isolated_data_dir / "store.db"
    store = open_for_user(path, create=True)
    fill(store, isolated_data_dir, 10)
    old_key, store_id = store.key, store.store_id
    store.close()
    before = _rows(path, old_key)
    rekey_store(path, None)
    new_text = memory_keyring.secrets[(SERVICE, f"store-key:{store_id}")]
    new_key = base64.b64decode(new_text)
    assert new_key != old_key
    assert (SERVICE, f"store-key:{store_id}:pending") not in memory_keyring.secrets
    assert _rows(path, new_key) == before
    with pytest.raises(TriageError):
        connect(path, old_key)
    # A new passphrase adds a travel copy of the key that opens the store without the keyring.
    rekey_store(path, None, new_passphrase=PASS)
    memory_keyring.secrets.clear()
    store = open_for_user(path, passphrase=PASS)
    assert store.scalar("SELECT count(*) FROM posts") == 10
    store.close()


# -- SIGKILL during rekey -------------------------------------------------------------------


def _subprocess_env(data: Path, keyring_file: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["TRIAGE_DATA_DIR"] = str(data)
    env.pop("TRIAGE_CRASH_AT", None)
    (data.parent / "pass").write_text(PASS + "\n")
    env["TRIAGE_PASSPHRASE_FILE"] = str(data.parent / "pass")
    if keyring_file is None:
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    else:
        env["PYTHON_KEYRING_BACKEND"] = "tests.store.file_keyring.FileKeyring"
        env["TRIAGE_TEST_KEYRING_FILE"] = str(keyring_file)
    return env


def _known_keys(path: Path, keyring_file: Path | None) -> list[bytes]:
    """Every key recorded anywhere for the store (current and pending)."""
    info = read_keyinfo(path)
    assert info is not None
    keys = []
    for wrapped in (info.wrapped, info.pending_wrapped):
        if wrapped:
            keys.append(unwrap_key(wrapped, PASS, info.store_id))
    if keyring_file is not None and keyring_file.exists():
        for name, text in json.loads(keyring_file.read_text()).items():
            if name.startswith(f"{SERVICE}\tstore-key:{info.store_id}"):
                keys.append(base64.b64decode(text))
    return keys


def _opens_with(path: Path, keys: list[bytes]) -> bytes | None:
    for key in keys:
        try:
            conn = connect(path, key)
        except TriageError:
            continue
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return key
        finally:
            conn.close()
    return None


def _make_store(tmp_path: Path, keyring_file: Path | None, posts: int) -> Path:
    data = tmp_path / "data"
    if keyring_file is None:
        keyring.set_keyring(keyring.backends.fail.Keyring())
    store = open_for_user(data / "store.db", create=True, passphrase=PASS)
    fill(store, tmp_path, posts)
    store.close()
    return data / "store.db"


def _rekey_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "triage_app.cli", "db", "rekey"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _check_after_kill(
    path: Path, keyring_file: Path | None, env: dict[str, str], posts: int, old: bytes | None
) -> bytes:
    keys = _known_keys(path, keyring_file)
    if old is not None:
        keys.append(old)
    opened = _opens_with(path, keys)
    assert opened is not None, "no recorded key opens the store after the kill"
    # The program itself opens it (finishing or discarding the interrupted change) …
    check = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", "db", "check", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["ok"] is True
    assert not [p for p in path.parent.iterdir() if "rewrite" in p.name]
    # … with every row, and a later rekey works.
    store = open_store(path, key=opened)
    assert store.scalar("SELECT count(*) FROM posts") == posts
    store.close()
    return opened


STEPS = ["export", "copied", "before_swap", "swapped", "before_promote"]


@pytest.mark.parametrize(
    ("step", "use_keyring"),
    [(step, False) for step in STEPS]
    + [("before_swap", True), ("swapped", True), ("before_promote", True)],
    ids=[f"{step}-passphrase" for step in STEPS]
    + ["before_swap-keyring", "swapped-keyring", "before_promote-keyring"],
)
def test_rekey_killed_at_each_step_leaves_old_or_new_key(
    tmp_path: Path, step: str, use_keyring: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring_file = tmp_path / "keyring.json" if use_keyring else None
    env = _subprocess_env(tmp_path / "data", keyring_file)
    if keyring_file is not None:
        monkeypatch.setenv("TRIAGE_TEST_KEYRING_FILE", str(keyring_file))
        from tests.store.file_keyring import FileKeyring

        keyring.set_keyring(FileKeyring())
    path = _make_store(tmp_path, keyring_file, 30)
    old = _opens_with(path, _known_keys(path, keyring_file))
    proc = _rekey_process({**env, "TRIAGE_CRASH_AT": step})
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    _check_after_kill(path, keyring_file, env, 30, old)
    done = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", "db", "rekey"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def _random_kills(tmp_path: Path, rounds: int, posts: int) -> None:
    env = _subprocess_env(tmp_path / "data", None)
    path = _make_store(tmp_path, None, posts)
    rng = random.Random(8)
    killed_mid_way = 0
    old = _opens_with(path, _known_keys(path, None))
    for _ in range(rounds):
        proc = _rekey_process(env)
        time.sleep(rng.uniform(0.3, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        killed_mid_way += proc.returncode == -signal.SIGKILL
        old = _check_after_kill(path, None, env, posts, old)
    assert killed_mid_way > 0


def test_rekey_killed_at_random_moments(tmp_path: Path) -> None:
    _random_kills(tmp_path, 4, 1000)


@pytest.mark.slow
def test_rekey_killed_at_random_moments_many(tmp_path: Path) -> None:
    _random_kills(tmp_path, 40, 20000)


@pytest.mark.parametrize("step", ["export", "copied", "before_swap", "swapped"])
def test_encrypt_killed_at_each_step_keeps_rows_and_leaves_nothing_plain(
    tmp_path: Path, step: str
) -> None:
    env = _subprocess_env(tmp_path / "data", None)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    path = tmp_path / "data" / "store.db"
    store = open_for_user(path, create=True, encrypted=False)
    fill(store, tmp_path, 25)
    store.close()
    proc = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", "db", "encrypt"],
        cwd=ROOT,
        env={**env, "TRIAGE_CRASH_AT": step},
        capture_output=True,
    )
    assert proc.returncode == -signal.SIGKILL
    check = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", "db", "check", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    result = json.loads(check.stdout)
    assert result["ok"]
    assert result["encrypted"] == (step == "swapped")
    opened = open_for_user(path, passphrase=PASS)
    assert opened.scalar("SELECT count(*) FROM posts") == 25
    opened.close()
    if result["encrypted"]:
        plain_files = [
            p.name
            for p in path.parent.iterdir()
            if p.is_file() and b"Crossing to UK" in p.read_bytes()
        ]
        assert plain_files == []
    else:  # finish the job: then nothing plain is left either
        done = subprocess.run(
            [sys.executable, "-m", "triage_app.cli", "db", "encrypt"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert not [
            p.name
            for p in path.parent.iterdir()
            if p.is_file() and b"Crossing to UK" in p.read_bytes()
        ]


def test_rekey_with_passphrase_leaves_no_key_bytes(tmp_path: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    data = tmp_path / "data"
    path = data / "store.db"
    store = open_for_user(path, create=True, passphrase=PASS)
    fill(store, tmp_path, 5)
    old = store.key
    store.close()
    rekey_store(path, PASS)
    store = open_for_user(path, passphrase=PASS)
    new = store.key
    store.close()
    assert old and new and old != new
    assert files_containing(data, old) == [] and files_containing(data, new) == []
