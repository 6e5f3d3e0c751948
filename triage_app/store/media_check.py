"""`triage db check`'s look at the evidence media: every file a post's media row names is in the
evidence folder, decrypts (an encrypted store's copies authenticate under its evidence key,
store/evidence_crypto.py) and has the SHA-256 recorded at collection.

Each file is read once (several posts can share one file), streamed a segment at a time, so a
store with many gigabytes of media is checked in bounded memory; a problem is named for every
post whose media row points at the file."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .connection import Store
from .evidence_crypto import MAGIC, EvidenceDamaged, evidence_key, open_media

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class MediaProblem:
    post_id: int
    platform: str
    platform_post_id: str
    media: str  # the stored file, relative to the evidence folder
    what: str

    def line(self) -> str:
        return f"post {self.post_id} ({self.platform}:{self.platform_post_id}): {self.what}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "post": self.post_id,
            "platform": self.platform,
            "platform_post_id": self.platform_post_id,
            "media": self.media,
            "problem": self.what,
        }


@dataclass
class MediaCheck:
    files: int = 0  # distinct files read
    rows: int = 0  # media rows of posts checked
    bytes: int = 0
    problems: list[MediaProblem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            "bytes": self.bytes,
            "ok": self.ok,
            "problems": [p.as_dict() for p in self.problems],
        }


# progress(files done, files in all, bytes read so far)
Progress = Callable[[int, int, int], None]


def _inside(relative: str) -> bool:
    """Whether a stored path stays inside the evidence folder (a row rewritten by hand could
    name any file)."""
    path = PurePosixPath(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts


def _file_problem(path: Path, stored: str, sha256: str | None, key: bytes | None) -> str | None:
    """What is wrong with one evidence file, or None; counts nothing."""
    if not _inside(stored):
        return f"media {stored} is recorded outside the evidence folder"
    try:
        with open(path, "rb") as raw:
            sealed = raw.read(len(MAGIC)) == MAGIC
    except FileNotFoundError:
        return f"media {stored} is missing from the evidence folder"
    except OSError as exc:
        return f"media {stored} cannot be read ({exc.strerror or exc})"
    if key is not None and not sealed:
        return f"media {stored} is not encrypted (this store keeps its media encrypted)"
    digest = hashlib.sha256()
    try:
        with open_media(path, key) as handle:
            while block := handle.read(CHUNK):
                digest.update(block)
    except EvidenceDamaged:
        return f"media {stored} does not decrypt: it is damaged or was altered"
    except OSError as exc:
        return f"media {stored} cannot be read ({exc.strerror or exc})"
    if sha256 and digest.hexdigest() != sha256.lower():
        return f"media {stored} does not match its recorded SHA-256 (it was altered)"
    return None


def check_media(store: Store, progress: Progress | None = None) -> MediaCheck:
    """Check every stored media file of the store; one problem per post and file."""
    from ..ingest.evidence import evidence_dir

    started = time.perf_counter()
    folder = evidence_dir(Path(store.path))
    key = evidence_key(store)
    result = MediaCheck()
    total = int(
        store.scalar(
            "SELECT count(DISTINCT stored_path) FROM media WHERE stored_path IS NOT NULL "
            "AND stored_path != ''"
        )
        or 0
    )
    verdicts: dict[tuple[str, str | None], str | None] = {}
    seen: set[str] = set()
    rows = store.execute(
        "SELECT m.post_id, p.platform, p.platform_post_id, m.stored_path, m.sha256 FROM media m "
        "JOIN posts p ON p.id = m.post_id WHERE m.stored_path IS NOT NULL AND m.stored_path != '' "
        "ORDER BY m.post_id, m.id"
    )
    for post_id, platform, natural, stored, sha256 in rows:
        result.rows += 1
        if (stored, sha256) not in verdicts:  # one read a file (and recorded hash)
            path = folder / stored
            verdicts[stored, sha256] = _file_problem(path, stored, sha256, key)
            if stored not in seen:
                seen.add(stored)
                result.files += 1
                try:
                    result.bytes += path.stat().st_size if _inside(stored) else 0
                except OSError:
                    pass
                if progress is not None:
                    progress(result.files, total, result.bytes)
        what = verdicts[stored, sha256]
        if what is not None:
            result.problems.append(MediaProblem(post_id, platform, str(natural), stored, what))
    result.seconds = time.perf_counter() - started
    return result
