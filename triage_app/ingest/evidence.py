"""Media evidence: hash each file at import and keep a content-addressed copy beside the store,
so that a later export can prove the file is the one collected."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredMedia:
    sha256: str
    size: int
    stored_path: str  # relative to the evidence folder


def evidence_dir(store_path: Path) -> Path:
    """`<store>.evidence/` next to the store file."""
    return store_path.with_name(store_path.name + ".evidence")


def store_media_file(
    source: Path | BinaryIO, store_path: Path, suffix: str | None = None
) -> StoredMedia:
    """Copy ``source`` into the evidence folder under its SHA-256 (once), hashing as it copies.

    ``source`` is a path, or a file already opened and checked by ingest/media_confine.py (the
    import passes the checked handle, so nothing can swap the file between check and copy);
    ``suffix`` names the stored copy's extension (taken from the path when not given)."""
    folder = evidence_dir(store_path)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        opened = open(source, "rb") if isinstance(source, Path) else nullcontext(source)
        with os.fdopen(fd, "wb") as out, opened as src:
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
        if suffix is None:
            suffix = source.suffix if isinstance(source, Path) else ""
        relative = Path(sha[:2]) / (sha + suffix.lower()[:10])
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
