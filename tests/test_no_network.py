"""The program never touches the network, even from native code: the CLI (import, tagging,
review, a referral pack and a sync pack) runs inside a user + network namespace
(`unshare -rn`) where no interface but a downed loopback exists. The audit hook in
tests/conftest.py guards in-process tests; this guards the real processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pyrage import x25519

from tests.conftest import ROOT
from tests.store.keys_helpers import write_posts
from tests.support.run_as import launcher_command

UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"


def _offline(
    args: list[str], env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UNSHARE, "-rn", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _env(tmp_path: Path, data: str = "data") -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TRIAGE_DATA_DIR=str(tmp_path / data),
        PYTHON_KEYRING_BACKEND="tests.store.file_keyring.FileKeyring",
        TRIAGE_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
    )
    env.pop("TRIAGE_NO_NETWORK_CHECK", None)
    return env


def test_the_namespace_really_has_no_network(tmp_path: Path) -> None:
    """Without this, the runs below would prove nothing."""
    probe = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('192.0.2.1', 80), timeout=3)\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno)\n"
        "else:\n"
        "    print('connected')\n"
    )
    result = _offline([sys.executable, "-c", probe], _env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused"), result.stdout


def _cli(
    tmp_path: Path, *args: str, data: str = "data", user: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`triage ARGS` offline as the real OS login (or, with ``user``, as that person through the
    test-only launcher)."""
    command = (
        launcher_command(user, *args) if user else [sys.executable, "-m", "triage_app.cli", *args]
    )
    result = _offline(command, _env(tmp_path, data))
    assert result.returncode == 0, f"triage {' '.join(args)}: {result.stderr}"
    return result


def test_cli_import_tag_review_and_exports_run_without_network(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", 8)
    _cli(tmp_path, "db", "create")
    _cli(tmp_path, "import", str(posts))
    _cli(tmp_path, "users", "add", "ana", "--role", "analyst")
    _cli(tmp_path, "tag", "1", "boat_crossing", user="ana")  # four eyes: an analyst tags
    _cli(tmp_path, "review", "1", "approve")
    _cli(tmp_path, "queue", "--json")
    _cli(tmp_path, "db", "check")
    liaison = str(x25519.Identity.generate().to_public())
    _cli(
        tmp_path,
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        liaison,
        "--out",
        str(tmp_path / "referral.age"),
    )
    # A second store (another laptop) receives this one's work through a sync pack.
    _cli(tmp_path, "db", "create", data="peer")
    peer = _cli(tmp_path, "sync", "id", data="peer").stdout.strip()
    _cli(tmp_path, "sync", "export", "--recipient", peer, "--out", str(tmp_path / "sync.age"))
    _cli(tmp_path, "keys", "export-public", "--out", str(tmp_path / "signer.pub"))
    # The peer's supervisor registers ana and her key before importing her work.
    _cli(tmp_path, "keys", "export-personal", "--out", str(tmp_path / "ana.pub"), user="ana")
    _cli(
        tmp_path,
        "users",
        "add",
        "ana",
        "--role",
        "analyst",
        "--key",
        str(tmp_path / "ana.pub"),
        data="peer",
    )
    merged = _cli(
        tmp_path,
        "sync",
        "import",
        str(tmp_path / "sync.age"),
        "--signer",
        str(tmp_path / "signer.pub"),
        "--json",
        data="peer",
    )
    assert '"posts": 8' in merged.stdout
    for name in ("referral.age", "referral.age.minisig", "sync.age", "sync.age.minisig"):
        assert (tmp_path / name).stat().st_size > 0
    store = tmp_path / "data" / "store.db"
    assert store.read_bytes()[:16] != b"SQLite format 3\x00"  # encrypted, key in the keyring


WINDOW_SESSION = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from triage_app.store.opening import open_for_user
from triage_app.store.paths import data_dir, default_store_path
from triage_app.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])
data = data_dir()
store = open_for_user(default_store_path(), data_dir=data)  # the real OS login
window = MainWindow(store, data)
window.show()
QTimer.singleShot(1500, window.close)
QTimer.singleShot(2000, app.quit)
app.exec()
print("window closed; posts:", store.scalar("SELECT count(*) FROM posts"))
"""


def test_window_session_runs_without_network(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", 5)
    _cli(tmp_path, "import", str(posts))
    env = {**_env(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    result = _offline([sys.executable, "-c", WINDOW_SESSION], env)
    assert result.returncode == 0, result.stderr
    assert "window closed; posts: 5" in result.stdout
