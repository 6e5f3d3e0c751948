"""A pack build that cannot write its file (a full disk, a file-size limit) stops with one plain
line, leaves nothing under the pack's name, keeps an earlier pack, and changes nothing in the
store. The file-size limit (RLIMIT_FSIZE) stands in for a full disk without needing a mount."""

from __future__ import annotations

import os
import resource
import signal
import subprocess

from pyrage import x25519

from tests.conftest import ROOT
from tests.packs.helpers import approved_store
from tests.support.backends import child_arguments
from tests.support.run_as import launcher_command


def limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))


def test_a_write_error_while_building_is_one_plain_line(make_store, tmp_path):
    store = approved_store(make_store, tmp_path, n=200, media_every=1)
    before = store.execute("SELECT id, status FROM posts ORDER BY id").fetchall()
    audit_rows = store.scalar("SELECT count(*) FROM audit")
    store.close()
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.age").write_bytes(b"an earlier pack")
    env = {
        **os.environ,
        "TRIAGE_DB": str(tmp_path / "store.db"),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }
    _, env = child_arguments((), env, "alice")  # on PostgreSQL: the store's database
    proc = subprocess.run(
        launcher_command(  # as alice, the supervisor who made the store (tests/support)
            "alice",
            "pack",
            "build",
            "--platform",
            "facebook",
            "--recipient",
            str(x25519.Identity.generate().to_public()),
            "--out",
            str(out / "p.age"),
        ),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr
    assert "the pack was not written" in lines[0] or "Cannot write the pack" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == ["earlier.age"]
    assert (out / "earlier.age").read_bytes() == b"an earlier pack"
    from triage_app.store import open_store

    store = open_store(tmp_path / "store.db", user="alice")
    assert store.execute("SELECT id, status FROM posts ORDER BY id").fetchall() == before
    assert store.scalar("SELECT count(*) FROM audit") == audit_rows
    assert store.scalar("SELECT count(*) FROM referrals") == 0
    store.close()
