"""Media evidence: hash each file at import and keep a content-addressed copy beside the store,
so that a later export can prove the file is the one collected. An encrypted store's copies are
encrypted (store/evidence_crypto.py); read them with ``evidence_crypto.open_media``."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from ..core.scratch import scratch_name
from ..store.evidence_crypto import SealingWriter

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
    source: Path | BinaryIO | IO[bytes],
    store_path: Path,
    suffix: str | None = None,
    *,
    key: bytes | None = None,
) -> StoredMedia:
    """Copy ``source`` into the evidence folder under its SHA-256 (once), hashing as it copies.

    ``source`` is a path, or a file already opened and checked by ingest/media_confine.py (the
    import passes the checked handle, so nothing can swap the file between check and copy);
    ``suffix`` names the stored copy's extension (taken from the path when not given).

    With ``key`` (the store's evidence key, store/evidence_crypto.py) the copy is encrypted as
    it is written; the name is still the SHA-256 of the plain content."""
    folder = evidence_dir(store_path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=scratch_name("incoming") + ".")
    try:
        opened = open(source, "rb") if isinstance(source, Path) else nullcontext(source)
        with os.fdopen(fd, "wb") as out, opened as src:
            sink: SealingWriter | IO[bytes] = SealingWriter(out, key) if key is not None else out
            while True:
                block = src.read(CHUNK)
                if not block:
                    break
                digest.update(block)
                size += len(block)
                sink.write(block)
            if isinstance(sink, SealingWriter):
                sink.close()
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
            final.parent.mkdir(mode=0o700, exist_ok=True)
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
