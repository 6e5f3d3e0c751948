"""Disk-full scenarios, run as a child process that mounts its own small tmpfs (as root, or
inside `unshare -rm` where plain mount is refused): the mount and every `triage` run it starts
share one mount namespace. Each scenario asserts what it proves and prints a summary line;
tests/faults/test_disk_full.py starts it and checks its exit status.

    python -m tests.faults.disk_full import|pack WORK_FOLDER"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.faults.helpers import (
    assert_plain_outcome,
    assert_sound,
    cli_env,
    open_as_cli,
    run_cli,
    state,
    write_posts,
)
from triage_app.store.evidence_crypto import evidence_key, open_media


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system holding ``folder`` until about ``leave`` bytes are free."""
    filler = folder / "filler.bin"
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with open(filler, "wb") as out:
        out.write(b"\0" * max(free - leave, 0))
    return filler


def disk_full_import(work: Path) -> dict[str, object]:
    """A store on a nearly full disk: a text import and a media import both fail plainly and
    leave the store's rows, audit chain and pages as they were."""
    with tmpfs(work / "mnt", "8m") as mnt:
        env = cli_env(mnt, encrypted=True)
        seed = run_cli(["import", str(write_posts(work / "seed.jsonl", 100)), "--no-enrich"], env)
        assert seed.code == 0, seed.err
        big = write_posts(work / "big.jsonl", 20_000, start=1000)
        media = media_export(work / "media", 300)
        store = open_as_cli(env)
        before = state(store)
        store.close()
        results = {}
        filler = fill(mnt, 64 * 1024)
        for name, path in (("text", big), ("media", media)):
            ran = run_cli(["import", str(path)], env)
            assert_plain_outcome(ran, name)
            assert ran.code == 1, (name, ran.out, ran.err)
            # The cause is named, unless Store.transaction masks it (see test_disk_full.py).
            assert any(w in ran.err for w in ("full", "space", "could not be written")), ran.err
            results[name] = ran.err.strip()
        filler.unlink()
        store = open_as_cli(env)
        try:
            assert_sound(store)
            assert state(store) == before
            key = evidence_key(store)  # media are encrypted at rest in an encrypted store
        finally:
            store.close()
        evidence = Path(env["TRIAGE_DB"] + ".evidence")
        if evidence.exists():
            # Files copied before the disk filled may stay, but only whole and under the
            # SHA-256 of their plain content (content-addressed, reused by a later import); no
            # partial copies (a truncated encrypted copy fails to decrypt).
            for path in (p for p in evidence.rglob("*") if p.is_file()):
                assert not path.name.startswith(".incoming-"), path
                with open_media(path, key) as handle:
                    assert hashlib.sha256(handle.read()).hexdigest() == path.stem, path
            results["whole_evidence_files_left"] = sum(1 for p in evidence.rglob("*.png"))
        # With space again, the same import works.
        small = write_posts(work / "small.jsonl", 2000, start=100_000)
        again = run_cli(["import", str(small), "--no-enrich"], env)
        assert again.code == 0, again.err
    return results


def media_export(folder: Path, n: int) -> Path:
    """A JSONL export whose posts each carry a 20 KB image (filling the evidence folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        name = f"img{i}.png"
        (folder / name).write_bytes(os.urandom(20_000))
        rows.append(
            {
                "platform": "facebook",
                "post_id": f"m{i}",
                "text": f"boat {i}",
                "created_at": "2025-03-01T10:00:00Z",
                "author_id": "a1",
                "media": [name],
            }
        )
    path = folder / "export.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def disk_full_pack(work: Path) -> dict[str, object]:
    """Packs written to a nearly full disk: the build fails plainly, leaves the earlier pack
    and its signature byte for byte, nothing under the new pack's name, and the store as it
    was (no post marked referred, same rows, audit chain intact)."""
    from pyrage import x25519

    from tests.packs.helpers import TAGGER, approved_store
    from tests.support.run_as import tag_as
    from triage_app.store.decisions import review

    env = cli_env(work / "store", encrypted=True)
    assert run_cli(["db", "create"], env).code == 0
    store = open_as_cli(env)
    approved_store(lambda: store, work, n=400, approve=40, media_every=1)
    recipient = str(x25519.Identity.generate().to_public())
    with tmpfs(work / "mnt", "2m") as mnt:
        first = mnt / "first.age"
        args = ["pack", "build", "--platform", "facebook", "--recipient", recipient, "--out"]
        store.close()
        ran = run_cli([*args, str(first)], env)
        assert ran.code == 0, ran.err
        kept = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in mnt.iterdir()}
        store = open_as_cli(env)
        ids = [r[0] for r in store.execute("SELECT id FROM posts WHERE status = 'new'")]
        tag_as(store, TAGGER, ids, ["boat_crossing"])  # four eyes: the analyst tags
        review(store, ids, "approve")
        before = state(store)
        store.close()
        filler = fill(mnt, 32 * 1024)
        second = mnt / "second.age"
        ran = run_cli([*args, str(second)], env)
        assert_plain_outcome(ran, "pack build")
        assert ran.code == 1, (ran.out, ran.err)
        filler.unlink()
        left = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in mnt.iterdir()}
        assert left == kept, (left, kept)
        store = open_as_cli(env)
        try:
            assert_sound(store)
            assert state(store) == before
        finally:
            store.close()
        return {"error": ran.err.strip(), "kept": sorted(kept)}


def main() -> int:
    scenario, work = sys.argv[1], Path(sys.argv[2])
    result = disk_full_import(work) if scenario == "import" else disk_full_pack(work)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
