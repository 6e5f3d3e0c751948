"""Evidence media at rest (store/evidence_crypto.py): the sealed format refuses altered,
reordered and truncated files; an encrypted store's copies are encrypted, a plain store's stay
plain; `db encrypt` encrypts them, `db rekey` leaves them readable, an older version's plain
copies are encrypted on the first opening; enrichment hashes encrypted images; what killed work
left is removed on opening, only this machine's dead processes' (core/scratch.py)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from triage_app.core import scratch
from triage_app.core.similarity import image_phash
from triage_app.ingest.evidence import evidence_dir
from triage_app.ingest.pipeline import import_paths
from triage_app.store.encryption import encrypt_store, rekey_store
from triage_app.store.evidence_crypto import (
    HEADER,
    MAGIC,
    META_DONE,
    META_KEY,
    SEALED_SEGMENT,
    SEGMENT,
    EvidenceDamaged,
    SealingWriter,
    evidence_key,
    open_media,
)
from triage_app.store.opening import open_for_user


def png(seed: int) -> bytes:
    """A real (decodable) PNG, different for each seed."""
    image = Image.new("RGB", (64, 48), (seed * 37 % 256, seed * 91 % 256, 120))
    for x in range(0, 64, 8):
        for y in range(48):
            image.putpixel((x, y), (255 - seed % 256, 0, seed % 256))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def export(folder: Path, n: int = 3) -> tuple[Path, dict[str, bytes]]:
    folder.mkdir(parents=True, exist_ok=True)
    rows, blobs = [], {}
    for i in range(n):
        blob = png(i)
        (folder / f"m{i}.png").write_bytes(blob)
        blobs[hashlib.sha256(blob).hexdigest()] = blob
        rows.append(
            {
                "platform": "facebook",
                "post_id": f"e{i}",
                "created_at": "2025-04-01T08:00:00Z",
                "text": f"Boat {i}",
                "author_id": "a1",
                "media": [f"m{i}.png"],
            }
        )
    path = folder / "e.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path, blobs


def copies(store) -> dict[str, Path]:
    return {
        sha: evidence_dir(store.path) / rel
        for sha, rel in store.execute("SELECT sha256, stored_path FROM media")
    }


def assert_readable(store, blobs: dict[str, bytes], sealed: bool) -> None:
    found = copies(store)
    assert set(found) == set(blobs)
    key = evidence_key(store)
    for sha, path in found.items():
        assert path.read_bytes().startswith(MAGIC) is sealed, path
        assert (path.read_bytes() == blobs[sha]) is not sealed
        with open_media(path, key) as src:
            assert src.read() == blobs[sha]


def seal(data: bytes, key: bytes, writes: int = 7) -> bytes:
    out = io.BytesIO()
    writer = SealingWriter(out, key)
    step = max(1, len(data) // writes)
    for i in range(0, len(data), step):
        writer.write(data[i : i + step])
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 5])
def test_sealed_files_round_trip_and_refuse_tampering(tmp_path: Path, size: int) -> None:
    key = os.urandom(32)
    data = os.urandom(size)
    path = tmp_path / "f"
    sealed = seal(data, key)
    path.write_bytes(sealed)
    with open_media(path, key) as src:
        assert src.read() == data
        if size > 10:
            src.seek(size - 7)
            assert src.read() == data[-7:]

    def refused(content: bytes, with_key: bytes = key) -> None:
        path.write_bytes(content)
        with pytest.raises(EvidenceDamaged), open_media(path, with_key) as src:
            src.read()

    refused(sealed, os.urandom(32))  # another store's key
    refused(sealed[:-1] + bytes([sealed[-1] ^ 1]))  # one bit flipped
    refused(sealed[:HEADER])  # everything cut
    other = seal(data, key)
    refused(other[:HEADER] + sealed[HEADER:])  # another file's header (salt)
    if size > SEGMENT:
        refused(sealed[: HEADER + SEALED_SEGMENT])  # cut at a segment boundary
        body = sealed[HEADER:]
        swapped = body[SEALED_SEGMENT : 2 * SEALED_SEGMENT] + body[:SEALED_SEGMENT]
        refused(sealed[:HEADER] + swapped + body[2 * SEALED_SEGMENT :])  # segments reordered


def test_encrypted_store_seals_its_copies_and_a_plain_store_does_not(tmp_path: Path) -> None:
    src, blobs = export(tmp_path / "src")
    (tmp_path / "enc").mkdir()
    enc = open_for_user(tmp_path / "enc" / "store.db", create=True)
    plain = open_for_user(tmp_path / "store.db", create=True, encrypted=False)
    try:
        for store in (enc, plain):
            assert all(s.error is None for s in import_paths(store, [src]))
        assert evidence_key(plain) is None and evidence_key(enc) is not None
        assert_readable(enc, blobs, sealed=True)
        assert_readable(plain, blobs, sealed=False)
        # Enrichment hashed the encrypted images as it does the plain ones.
        phashes = {r[0]: r[1] for r in enc.execute("SELECT sha256, phash FROM media")}
        for sha, blob in blobs.items():
            assert phashes[sha] == image_phash(io.BytesIO(blob)) is not None
    finally:
        enc.close()
        plain.close()


def test_db_encrypt_encrypts_the_evidence(tmp_path: Path) -> None:
    src, blobs = export(tmp_path / "src")
    path = tmp_path / "store.db"
    store = open_for_user(path, create=True, encrypted=False)
    import_paths(store, [src])
    store.close()
    encrypt_store(path, None)
    store = open_for_user(path)
    try:
        assert_readable(store, blobs, sealed=True)
    finally:
        store.close()


def test_rekey_keeps_the_evidence_readable_without_re_encrypting(tmp_path: Path) -> None:
    src, blobs = export(tmp_path / "src")
    path = tmp_path / "store.db"
    store = open_for_user(path, create=True)
    import_paths(store, [src])
    before = {sha: p.read_bytes() for sha, p in copies(store).items()}
    key = evidence_key(store)
    store.close()
    rekey_store(path, None)
    store = open_for_user(path)
    try:
        assert evidence_key(store) == key
        assert {sha: p.read_bytes() for sha, p in copies(store).items()} == before
        assert_readable(store, blobs, sealed=True)
    finally:
        store.close()


def test_an_older_versions_plain_copies_are_encrypted_on_opening(tmp_path: Path) -> None:
    src, blobs = export(tmp_path / "src")
    path = tmp_path / "store.db"
    store = open_for_user(path, create=True)
    import_paths(store, [src])
    # As an older version left it: plain copies, no evidence key in the store.
    for sha, copy in copies(store).items():
        copy.write_bytes(blobs[sha])
    with store.transaction() as conn:
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (META_KEY, META_DONE))
    store.close()
    store = open_for_user(path)
    try:
        assert_readable(store, blobs, sealed=True)
        assert store.meta(META_DONE) == "1"
    finally:
        store.close()


def test_opening_removes_only_this_machines_dead_processes_scratch(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    open_for_user(path, create=True).close()
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(done.stdout)  # a process of this machine that no longer runs
    host = scratch.host_tag()
    other = "0badcafe" if host != "0badcafe" else "0badc0de"
    names = {
        "dead": f".triage-sync-out.{host}-{dead}.abc",
        "alive": f".triage-sync-in.{host}-{os.getpid()}.abc",
        "elsewhere": f".triage-zip.{other}-{dead}.abc",
    }
    for name in names.values():
        (tmp_path / name).mkdir()
        (tmp_path / name / "pack.zip.sealed").write_bytes(b"x")
    evidence_dir(path).mkdir()
    (evidence_dir(path) / f".triage-incoming.{host}-{dead}.x.tmp").write_bytes(b"x")
    legacy = tmp_path / ".sync-out-abc123"
    legacy.mkdir()
    os.utime(legacy, (0, 0))  # an older version's, long ago
    fresh = tmp_path / ".sync-in-def456"  # an older version's, maybe still running
    fresh.mkdir()
    unrelated = tmp_path / ".incoming-notes"  # someone's own file beside the store
    unrelated.write_text("mine")
    os.utime(unrelated, (0, 0))
    open_for_user(path).close()
    left = {p.name for p in tmp_path.iterdir() if p.name.startswith(".")}
    assert names["dead"] not in left and legacy.name not in left
    assert {names["alive"], names["elsewhere"], fresh.name, unrelated.name} <= left
    assert not [p for p in evidence_dir(path).iterdir() if p.name.startswith(".triage-")]
