"""Media evidence: hash each file at import and keep a content-addressed copy beside the store,
so that a later export can prove the file is the one collected."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredMedia:
    sha256: str
    size: int
    stored_path: str  # relative to the evidence folder


def evidence_dir(store_path: Path) -> Path:
    """`<store>.evidence/` next to the store file."""
    return store_path.with_name(store_path.name + ".evidence")


def store_media_file(source: Path, store_path: Path) -> StoredMedia:
    """Copy ``source`` into the evidence folder under its SHA-256 (once), hashing as it copies."""
    folder = evidence_dir(store_path)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while True:
                block = src.read(CHUNK)
                if not block:
                    break
                digest.update(block)
                size += len(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        relative = Path(sha[:2]) / (sha + source.suffix.lower()[:10])
        final = folder / relative
        if final.exists():
            os.unlink(tmp_name)
        else:
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp_name, final)
        return StoredMedia(sha, size, str(relative))
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(CHUNK)
            if not block:
                break
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
