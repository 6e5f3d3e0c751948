"""Issue 12, "plaintext left behind by killed work": real `triage` processes are SIGKILLed while
a sync export, a sync import and a ZIP import hold their scratch on disk; the program is then run
again, and no file under the data folder (nor in /tmp) holds the posts' text or media bytes.

While the work runs, the sync scratch holds only ciphertext under a key that dies with the
process; the unpacked ZIP of an import is plain (the importers read files) but lives in an
owner-only scratch folder beside the store, which the next start removes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import zipfile
from pathlib import Path
from typing import IO

import pytest

from tests.faults.helpers import cli_env, popen_cli, run_cli
from tests.packs.helpers import PNG
from tests.store.test_nothing_in_clear import (
    assert_nothing_in_clear,
    files_under,
    new_tmp_files,
    tmp_entries,
)

TEXT_MARK = "Capybara-saffron-8812"
MEDIA_MARK = b"MEDIA-MARK-pangolin-3307"
MEDIA_COUNT = 16
MEDIA_SIZE = 3 << 20  # incompressible: the work takes long enough to be caught half-way


def write_export(folder: Path, seed: int) -> tuple[Path, list[bytes]]:
    """A JSONL export with MEDIA_COUNT large media files; returns it and the needles."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, found = [], [TEXT_MARK.encode(), MEDIA_MARK]
    for i in range(MEDIA_COUNT):
        blob = PNG + MEDIA_MARK + os.urandom(MEDIA_SIZE)
        (folder / f"m{seed}-{i}.png").write_bytes(blob)
        found.append(blob[len(blob) // 2 : len(blob) // 2 + 48])
        rows.append(
            {
                "platform": "facebook",
                "post_id": f"s{seed}-{i}",
                "created_at": "2025-04-01T08:00:00Z",
                "text": f"Boat {i}, {TEXT_MARK}",
                "author_id": f"a{i % 3}",
                "media": [f"m{seed}-{i}.png"],
            }
        )
    path = folder / f"export{seed}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path, found


def scratch(data: Path) -> list[Path]:
    """Work in progress beside the store: this version's and older versions' names."""
    prefixes = (".triage-", ".sync-out-", ".sync-in-")
    return [p for p in data.iterdir() if p.name.startswith(prefixes)]


def zip_scratch(data: Path, before_tmp: set[str]) -> list[Path]:
    from tempfile import gettempdir

    tmp = Path(gettempdir())
    old = [tmp / n for n in tmp_entries() - before_tmp if n.startswith("triage-zip-")]
    return [p for p in data.iterdir() if p.name.startswith(".triage-zip.")] + old


def size_of(paths: list[Path]) -> int:
    total = 0
    for path in files_under(*[p for p in paths if p.is_dir()]):
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def kill_when(proc: subprocess.Popen[str], holding, said: IO[str], at_least: int = 4 << 20) -> None:
    """SIGKILL ``proc`` as soon as the scratch ``holding()`` names holds ``at_least`` bytes;
    ``said`` is the file its stderr goes to, quoted when the work ends on its own."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said.seek(0)
            last = said.read().strip()[-400:]
            pytest.fail(
                f"the work finished (exit {proc.returncode}) before it was killed: {last!r}"
            )
        if size_of(holding()) >= at_least:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.003)
    proc.kill()
    pytest.fail("the work never wrote its scratch")


@pytest.fixture
def field(tmp_path: Path) -> tuple[dict[str, str], list[bytes]]:
    """An encrypted store (made by the CLI) holding posts with large media."""
    env = cli_env(tmp_path / "field", encrypted=True)
    export, found = write_export(tmp_path / "src", 1)
    ran = run_cli(["import", str(export), "--no-enrich"], env)
    assert ran.code == 0, ran.err
    return env, found


def test_killed_sync_export_leaves_no_plaintext(field, tmp_path: Path) -> None:
    env, found = field
    data = Path(env["TRIAGE_DATA_DIR"])
    before_tmp = tmp_entries()
    from pyrage import x25519

    peer = str(x25519.Identity.generate().to_public())
    out = tmp_path / "out"
    out.mkdir()
    args = ["sync", "export", "--recipient", peer, "--out", str(out / "p.age")]
    said = tmp_path.joinpath("stderr.txt").open("w+")
    proc = popen_cli(args, env, stdout=subprocess.DEVNULL, stderr=said)
    kill_when(proc, lambda: scratch(data), said)
    # Even right after the kill, before anything cleaned up, nothing is readable.
    assert_nothing_in_clear(files_under(data, out) + new_tmp_files(before_tmp), found)
    assert scratch(data)  # the killed export's (sealed) scratch is still there...
    again = run_cli(["sync", "id"], env)  # ...until the program opens the store again
    assert again.code == 0, again.err
    assert scratch(data) == []
    assert_nothing_in_clear(files_under(data, out) + new_tmp_files(before_tmp), found)


def test_killed_sync_import_leaves_no_plaintext(field, tmp_path: Path) -> None:
    env, found = field
    hq = cli_env(tmp_path / "hq", encrypted=True)
    # alice made both stores: HQ's keyring starts as a copy of hers (her personal key).
    shutil.copy(Path(env["TRIAGE_TEST_KEYRING_FILE"]), Path(hq["TRIAGE_TEST_KEYRING_FILE"]))
    small, _ = write_export(tmp_path / "hq-src", 2)
    assert run_cli(["import", str(small), "--no-enrich"], hq).code == 0
    recipient = run_cli(["sync", "id"], hq).out.strip()
    pack = tmp_path / "to-hq.age"
    made = run_cli(["sync", "export", "--recipient", recipient, "--out", str(pack)], env)
    assert made.code == 0, made.err
    signer = tmp_path / "field.pub"
    assert run_cli(["keys", "export-public", "--out", str(signer)], env).code == 0
    data = Path(hq["TRIAGE_DATA_DIR"])
    before_tmp = tmp_entries()
    args = ["sync", "import", str(pack), "--signer", str(signer)]
    said = tmp_path.joinpath("stderr.txt").open("w+")
    proc = popen_cli(args, hq, stdout=subprocess.DEVNULL, stderr=said)
    kill_when(proc, lambda: scratch(data), said)
    assert_nothing_in_clear(files_under(data) + new_tmp_files(before_tmp), found)
    assert run_cli(["sync", "id"], hq).code == 0
    assert scratch(data) == []
    assert_nothing_in_clear(files_under(data) + new_tmp_files(before_tmp), found)


def test_killed_zip_import_leaves_no_plaintext(field, tmp_path: Path) -> None:
    env, _ = field
    data = Path(env["TRIAGE_DATA_DIR"])
    export, found = write_export(tmp_path / "zip-src", 3)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # stored: unpacking is quick to start writing
        for path in sorted(export.parent.iterdir()):
            zf.write(path, path.name)
    before_tmp = tmp_entries()
    said = tmp_path.joinpath("stderr.txt").open("w+")
    proc = popen_cli(
        ["import", str(archive), "--no-enrich"],
        env,
        stdout=subprocess.DEVNULL,
        stderr=said,
    )
    kill_when(proc, lambda: zip_scratch(data, before_tmp), said)
    assert run_cli(["sync", "id"], env).code == 0  # the program starts again
    assert zip_scratch(data, before_tmp) == []
    assert_nothing_in_clear(files_under(data) + new_tmp_files(before_tmp), found)
