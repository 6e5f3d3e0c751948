"""`triage db create|check|encrypt|rekey` as a person runs them: output, exit codes, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import run_cli
from tests.store.keys_helpers import write_posts

FAIL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _passphrase(tmp_path: Path, text: str = "a long field phrase") -> dict[str, str]:
    path = tmp_path / "pass.txt"
    path.write_text(text + "\n")
    return {**FAIL_KEYRING, "TRIAGE_PASSPHRASE_FILE": str(path)}


def test_create_without_keyring_or_passphrase_is_one_clear_line(
    isolated_data_dir: Path,
) -> None:
    code, out, err = run_cli("db", "create", env=FAIL_KEYRING)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "keyring is not available" in err and "--passphrase-file" in err
    assert list(isolated_data_dir.iterdir()) == []


def test_passphrase_store_round_trip(tmp_path: Path, isolated_data_dir: Path) -> None:
    env = _passphrase(tmp_path)
    code, out, err = run_cli("db", "create", env=env)
    assert code == 0, err
    assert "encrypted; key held by passphrase" in out
    assert "keyring is not available" in err  # said plainly, once
    posts = write_posts(tmp_path / "p.jsonl", 12)
    code, out, err = run_cli("import", str(posts), env=env)
    assert code == 0, err

    code, out, err = run_cli("db", "check", "--json", env=env)
    assert code == 0, err
    result = json.loads(out)
    assert result["ok"] and result["encrypted"]
    assert result["integrity_check"] == ["ok"] and result["cipher_integrity_check"] == []

    code, out, err = run_cli("db", "check", env={**env, "TRIAGE_PASSPHRASE_FILE": ""})
    assert code == 1 and "protected by a passphrase" in err and err.count("\n") == 1

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the phrase\n")
    code, out, err = run_cli("db", "check", env={**env, "TRIAGE_PASSPHRASE_FILE": str(wrong)})
    assert code == 1 and "wrong passphrase" in err

    new = tmp_path / "new.txt"
    new.write_text("a brand new phrase\n")
    code, out, err = run_cli("db", "rekey", "--new-passphrase-file", str(new), env=env)
    assert code == 0, err
    code, out, err = run_cli("db", "check", env=env)
    assert code == 1 and "wrong passphrase" in err
    code, out, err = run_cli("db", "check", env={**env, "TRIAGE_PASSPHRASE_FILE": str(new)})
    assert code == 0, err
    assert "integrity_check: ok" in out and "cipher_integrity_check: ok" in out


def test_plain_create_then_encrypt(tmp_path: Path, isolated_data_dir: Path) -> None:
    env = _passphrase(tmp_path)
    code, out, err = run_cli("db", "create", "--plain", env=env)
    assert code == 0, err
    assert "not encrypted" in out
    posts = write_posts(tmp_path / "p.jsonl", 7)
    assert run_cli("import", str(posts), env=env)[0] == 0
    code, out, err = run_cli("db", "check", env=env)
    assert code == 0 and "not applicable" in out

    code, out, err = run_cli("db", "encrypt", env=env)
    assert code == 0, err
    assert "copied and checked" in out
    store = isolated_data_dir / "store.db"
    assert store.read_bytes()[:16] != b"SQLite format 3\x00"
    code, out, err = run_cli("queue", "--json", env=env)
    assert code == 0, err
    assert "Crossing to UK" in out

    code, out, err = run_cli("db", "encrypt", env=env)
    assert code == 1 and "already encrypted" in err


def test_create_refuses_an_existing_store_and_check_a_missing_one(tmp_path: Path) -> None:
    env = {**_passphrase(tmp_path), "TRIAGE_PLAIN_STORE": "1"}
    code, out, err = run_cli("db", "check", env=env)
    assert code == 1 and "No store at" in err
    assert run_cli("db", "create", env=env)[0] == 0
    code, out, err = run_cli("db", "create", env=env)
    assert code == 1 and "already exists" in err


def test_db_without_action_is_a_usage_error() -> None:
    code, out, err = run_cli("db")
    assert code == 2 and "error:" in err
    assert os.environ.get("TRIAGE_DATA_DIR")
