"""`triage sync` as a person runs it: id, export, import, peers, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.store.keys_helpers import write_posts


def _env(tmp_path: Path, name: str) -> dict[str, str]:
    # One person (the OS login) runs both stores from one keyring, so their personal key, which
    # signs every decision and is registered in both stores, is the same in both.
    return {
        "TRIAGE_DATA_DIR": str(tmp_path / name),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }


def _ok(tmp_path: Path, name: str, *args: str) -> str:
    code, out, err = run_cli(*args, env=_env(tmp_path, name))
    assert code == 0, err
    return out


def test_export_import_round_trip_and_refusals(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", 6)
    _ok(tmp_path, "field", "import", str(posts))
    _ok(tmp_path, "field", "tag", "2", "boat_crossing", "--note", "price in euro")
    _ok(tmp_path, "hq", "db", "create")
    hq_key = json.loads(_ok(tmp_path, "hq", "sync", "id", "--json"))["recipient"]
    assert hq_key.startswith("age1")
    _ok(tmp_path, "field", "keys", "export-public", "--out", str(tmp_path / "field.pub"))
    pack = tmp_path / "to-hq.age"
    exported = json.loads(
        _ok(
            tmp_path, "field", "sync", "export", "--recipient", hq_key, "--out", str(pack), "--json"
        )
    )
    assert exported["counts"]["posts"] == 6 and exported["counts"]["decisions"] == 2

    # Nothing new for the same peer: the next pack is empty of work.
    again = json.loads(
        _ok(
            tmp_path,
            "field",
            "sync",
            "export",
            "--recipient",
            hq_key,
            "--out",
            str(tmp_path / "again.age"),
            "--json",
        )
    )
    assert again["counts"]["posts"] == 0 and again["counts"]["decisions"] == 0

    # A tampered copy is refused in one line and merges nothing.
    bad = tmp_path / "bad.age"
    data = bytearray(pack.read_bytes())
    data[-5] ^= 0xFF
    bad.write_bytes(bytes(data))
    (tmp_path / "bad.age.minisig").write_bytes((tmp_path / "to-hq.age.minisig").read_bytes())
    code, out, err = run_cli(
        "sync",
        "import",
        str(bad),
        "--signer",
        str(tmp_path / "field.pub"),
        env=_env(tmp_path, "hq"),
    )
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "signature does not match" in err
    queue = json.loads(_ok(tmp_path, "hq", "queue", "--json"))
    assert _count(queue) == 0

    out = _ok(tmp_path, "hq", "sync", "import", str(pack), "--signer", str(tmp_path / "field.pub"))
    assert out.startswith("Merged sync pack from store")
    queue = json.loads(_ok(tmp_path, "hq", "queue", "--json"))
    assert _count(queue) == 6
    out = _ok(tmp_path, "hq", "sync", "import", str(pack), "--signer", str(tmp_path / "field.pub"))
    assert "already imported; nothing changed" in out
    peers = json.loads(_ok(tmp_path, "hq", "sync", "peers", "--json"))
    assert len(peers) == 1 and peers[0]["last_import"]


def _count(queue: dict[str, object]) -> int:
    return int(queue["total"])  # type: ignore[call-overload]


def test_usage_errors(tmp_path: Path) -> None:
    code, out, err = run_cli("sync", "import", "x.age", env=_env(tmp_path, "hq"))
    assert code == 2 and "--signer" in err
    _ok(tmp_path, "hq", "db", "create")
    code, out, err = run_cli(
        "sync",
        "export",
        "--recipient",
        "not-a-key",
        "--out",
        str(tmp_path / "p.age"),
        env=_env(tmp_path, "hq"),
    )
    assert code == 1 and "not an age X25519 public key" in err
    assert not (tmp_path / "p.age").exists()
