"""The hidden folders that killed pack builds leave beside the destination are removed by the
next build there, and only those: a running build's folder, another machine's, a young one
whose name has no owner and everything that is not a work folder stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pyrage import x25519

from tests.packs.helpers import approved_store
from triage_app.packs.build import build_referral_pack
from triage_app.packs.work_folder import (
    UNOWNED_AFTER_SECONDS,
    host_tag,
    make_work_folder,
    owner_of,
    remove_stale_work_folders,
)


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _work(folder: Path, name: str) -> Path:
    path = folder / name
    path.mkdir()
    (path / "pack.age").write_bytes(b"age-encryption.org/v1\n...")
    return path


def test_only_the_folders_of_builds_that_are_gone_are_removed(tmp_path: Path) -> None:
    here = host_tag()
    dead = _work(tmp_path, f".p.age.{here}-{_dead_pid()}.k2j_x9a1.partial")
    running = _work(tmp_path, f".q.age.{here}-{os.getpid()}.abcdefgh.partial")
    elsewhere = _work(tmp_path, f".r.age.0badc0de-{_dead_pid()}.abcdefgh.partial")
    young = _work(tmp_path, ".s.age.abcdefgh.partial")  # an older version's name: no owner
    old = _work(tmp_path, ".t.age.ijklmnop.partial")
    stamp = time.time() - UNOWNED_AFTER_SECONDS - 60
    os.utime(old, (stamp, stamp))
    not_ours = _work(tmp_path, f".cache.{here}-{_dead_pid()}.partial")
    a_file = tmp_path / f".v.age.{here}-{_dead_pid()}.abcdefgh.partial"
    a_file.write_text("a file, not a folder")

    removed = remove_stale_work_folders(tmp_path)

    assert sorted(removed) == sorted([dead, old])
    for kept in (running, elsewhere, young, not_ours, a_file):
        assert kept.exists(), kept.name


def test_a_new_work_folder_is_named_after_its_owner(tmp_path: Path) -> None:
    work = make_work_folder(tmp_path / "p.age")
    assert work.parent == tmp_path and work.name.startswith(".p.age.")
    assert owner_of(work) == (host_tag(), os.getpid())
    assert remove_stale_work_folders(tmp_path) == []  # this process is running


def test_a_build_clears_what_a_killed_build_left(make_store, tmp_path: Path) -> None:
    store = approved_store(make_store, tmp_path, n=4)
    out = tmp_path / "out"
    out.mkdir()
    left = _work(out, f".p.age.{host_tag()}-{_dead_pid()}.x1y2z3w4.partial")
    build_referral_pack(
        store, "facebook", out / "p.age", recipients=[str(x25519.Identity.generate().to_public())]
    )
    assert not left.exists()
    assert sorted(p.name for p in out.iterdir()) == ["p.age", "p.age.minisig"]


def test_an_unreadable_folder_is_no_error(tmp_path: Path) -> None:
    assert remove_stale_work_folders(tmp_path / "missing") == []
