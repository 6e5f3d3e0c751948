"""A pack build killed at any moment (SIGKILL) leaves no partial file under the pack's name and
a store that is consistent: either the referral is recorded with the pack's hash, or nothing
changed. Whatever file has the final name is complete (age decrypts it whole)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from tests.conftest import ROOT
from tests.packs.helpers import approved_store
from tests.support.memory_keyring import keyring_for_setup
from tests.support.run_as import launcher_command
from triage_app.packs.work_folder import remove_stale_work_folders
from triage_app.store import open_store

POSTS = 1500


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with POSTS approved posts (half with an image), made once for the module."""
    folder = tmp_path_factory.mktemp("killed-template")

    def make_store(name: str = "store.db", user: str = "alice"):
        return open_store(folder / name, user=user, create=True)

    # The people's personal keys (alice registered as the store's maker, dana who tagged) go
    # into a keyring file that each test hands to its child, so the child builds as alice.
    with keyring_for_setup() as backend:
        approved_store(make_store, folder, n=POSTS, media_every=2).close()
    entries = {f"{service}\t{name}": value for (service, name), value in backend.secrets.items()}
    (folder / "keyring.json").write_text(json.dumps(entries))
    return folder


def copy_store(template: Path, target: Path) -> None:
    shutil.copyfile(template / "store.db", target / "store.db")
    shutil.copytree(template / "store.db.evidence", target / "store.db.evidence")
    shutil.copyfile(template / "keyring.json", target / "keyring.json")


@pytest.mark.parametrize("after_start", [0.0, 0.15, 0.3, 0.6, 1.0])
def test_killed_build_leaves_a_complete_pack_or_none(template, tmp_path, after_start):
    copy_store(template, tmp_path)
    ident = x25519.Identity.generate()
    out = tmp_path / "out"
    out.mkdir()
    pack = out / "p.age"
    env = {
        **os.environ,
        "TRIAGE_DB": str(tmp_path / "store.db"),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }
    proc = subprocess.Popen(
        launcher_command(  # as alice, the supervisor who made the store (tests/support)
            "alice",
            "pack",
            "build",
            "--platform",
            "facebook",
            "--recipient",
            str(ident.to_public()),
            "--out",
            str(pack),
        ),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it a moment after it starts writing (its hidden work folder appears).
    deadline = time.monotonic() + 60
    while not any(out.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    # A build that refused (no key, no approved posts...) would make every kill below vacuous.
    assert proc.poll() in (None, 0), "the build stopped by itself before it began writing"
    time.sleep(after_start)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    store = open_store(tmp_path / "store.db", user="alice")
    try:
        assert store.scalar("PRAGMA integrity_check") == "ok"
        referrals = store.execute("SELECT pack_sha256 FROM referrals").fetchall()
        referred = store.scalar("SELECT count(*) FROM posts WHERE status = 'referred'")
    finally:
        store.close()
    if referrals:
        assert referred == POSTS and pack.is_file()
        assert hashlib.sha256(pack.read_bytes()).hexdigest() == referrals[0][0]
    else:
        assert referred == 0
    if pack.exists():
        pyrage.decrypt(pack.read_bytes(), [ident])  # complete: decrypts and authenticates
    finals = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert finals <= {"p.age", "p.age.minisig"}
    assert all(p.name.endswith(".partial") for p in out.iterdir() if p.name.startswith("."))
    # The next build there removes what this one left (its process is gone).
    remove_stale_work_folders(out)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
