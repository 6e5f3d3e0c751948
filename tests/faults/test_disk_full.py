"""An import and a pack build into a full file system (a small tmpfs) report the error in one
plain line with exit 1, and leave the store (integrity_check, row counts, audit chain) and any
earlier pack exactly as they were. The scenarios (tests/faults/disk_full.py) run in a child
that mounts its own tmpfs: directly as root (CI), else inside `unshare -rm`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run_scenario(name: str, work: Path) -> dict[str, object]:
    command = [sys.executable, "-m", "tests.faults.disk_full", name, str(work)]
    if os.geteuid() != 0:
        command = ["unshare", "-rm", *command]
    env = {**os.environ, "TRIAGE_NO_NETWORK_CHECK": "1"}
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_an_import_onto_a_full_disk_is_refused_plainly_and_changes_nothing(tmp_path):
    """A 20,000-post import (the database fills) and a 300-image import (the evidence folder
    fills) on an 8 MB tmpfs; the scenario asserts exit 1, one line, the store unchanged."""
    result = run_scenario("import", tmp_path)
    assert "No space left" in str(result["media"]), result
    assert "nothing kept" in str(result["text"]), result


def test_the_pack_build_names_the_full_disk(tmp_path):
    result = run_scenario("pack", tmp_path)
    assert "space" in str(result["error"]).lower(), result
    assert result["kept"] == ["first.age", "first.age.minisig"]


def test_a_transaction_sqlite_rolled_back_itself_keeps_the_real_error(make_store):
    store = make_store()
    with pytest.raises(OSError, match="disk is full"), store.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('probe', '1')")
        conn.execute("ROLLBACK")  # what SQLite does itself when the disk fills mid-write
        raise OSError("database or disk is full")
    assert store.scalar("SELECT count(*) FROM meta WHERE key = 'probe'") == 0
