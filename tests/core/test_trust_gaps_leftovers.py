"""One rule for what killed work left behind (issue 12, duplicate D2): the scratch clean-up beside
the store (core/scratch.py) and the pack build's work folders (packs/work_folder.py) both name
their folders HOST-PID and both ask core.scratch.left_behind whether a folder's process is gone.
The same owners give the same answer in both places, with real dead and living processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from triage_app.core import scratch
from triage_app.packs import work_folder


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_both_clean_ups_share_one_owner_rule(tmp_path: Path) -> None:
    here = scratch.host_tag()
    owners = {
        "dead": f"{here}-{_dead_pid()}",
        "running": f"{here}-{os.getpid()}",
        "elsewhere": f"0badc0de-{_dead_pid()}",
    }
    beside_store = tmp_path / "store-folder"
    packs = tmp_path / "out"
    beside_store.mkdir()
    packs.mkdir()
    made: dict[str, tuple[Path, Path]] = {}
    for what, owner in owners.items():
        a = beside_store / f".triage-sync-in.{owner}.abcd1234"
        b = packs / f".p.age.{owner}.k2j_x9a1.partial"
        a.mkdir()
        b.mkdir()
        (a / "pack.sealed").write_bytes(b"sealed")
        (b / "pack.age").write_bytes(b"age-encryption.org/v1\n")
        made[what] = (a, b)
        # Both names parse to the same owner through the one parser.
        assert scratch.owner_of(a.name) == work_folder.owner_of(b) == scratch.parse_owner(owner)

    assert scratch.remove_stale_scratch(beside_store) == [made["dead"][0]]
    assert work_folder.remove_stale_work_folders(packs) == [made["dead"][1]]
    for what in ("running", "elsewhere"):
        assert all(p.exists() for p in made[what]), what


def test_the_work_folder_module_has_no_copy_of_its_own() -> None:
    assert work_folder.left_behind is scratch.left_behind
    assert work_folder.host_tag is scratch.host_tag
    assert work_folder.UNOWNED_AFTER_SECONDS == scratch.UNOWNED_AFTER_SECONDS
    for name in ("_process_runs", "_is_stale"):
        assert not hasattr(work_folder, name), name
