"""A ZIP written entry by entry to a file, hashing every entry as it goes, so that a pack of any
size never needs to be held in memory (only one chunk at a time)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Protocol

from ..core.errors import TriageError
from ..store.evidence_crypto import EvidenceDamaged, media_size, open_media

CHUNK = 1024 * 1024
TEXT_BLOCK = 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*$")
# Already-compressed media gain nothing from deflate and cost the most time.
_STORED_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".mp4",
    ".mov",
    ".webm",
    ".mkv",
    ".mp3",
    ".m4a",
    ".ogg",
    ".oga",
    ".opus",
    ".zip",
    ".gz",
    ".heic",
    ".avif",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One file in the ZIP with the size and SHA-256 of its content (one per file of a pack,
    100,000s of them: slots keep each small)."""

    name: str
    size: int
    sha256: str


class TextSink(Protocol):
    """Anything text is written to piece by piece (a ZIP entry, a StringIO for previews)."""

    def write(self, text: str, /) -> int: ...


class MediaChanged(TriageError):
    """A media file's bytes differ from the hash taken at import."""


class _HashingText(io.TextIOBase):
    """A text stream that encodes to UTF-8 into a ZIP entry and hashes what it writes.

    Small writes (a CSV row, a JSON line) are gathered into ~1 MiB blocks first: the ZIP and
    deflate layers cost per call, not per byte."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._parts: list[str] = []
        self._pending = 0
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> int:  # type: ignore[override]
        self._parts.append(text)
        self._pending += len(text)
        if self._pending >= TEXT_BLOCK:
            self.drain()
        return len(text)

    def drain(self) -> None:
        if not self._parts:
            return
        data = "".join(self._parts).encode("utf-8")
        self._parts.clear()
        self._pending = 0
        self.sha256.update(data)
        self.size += len(data)
        self._raw.write(data)

    def writable(self) -> bool:
        return True


def check_entry_name(name: str) -> str:
    """Entry names are relative, '/'-separated and plain ASCII: no '..', no absolute paths."""
    if not _SAFE_NAME.match(name) or any(part in ("", ".", "..") for part in name.split("/")):
        raise ValueError(f"unsafe ZIP entry name {name!r}")
    return name


class PackZipWriter:
    """Writes a ZIP file entry by entry; ``entries`` records each one's size and hash."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        # A pipe (not seekable) works too: zipfile then writes data descriptors, which unzip
        # and every ZIP reader understand.
        mode: Literal["w", "x"] = "x" if isinstance(target, Path) else "w"
        self._zip = zipfile.ZipFile(
            target, mode, compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
        )
        self.entries: list[Entry] = []

    def __enter__(self) -> PackZipWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def _info(self, name: str, size: int | None = None) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(check_entry_name(name), date_time=(1980, 1, 1, 0, 0, 0))
        stored = os.path.splitext(name)[1].lower() in _STORED_SUFFIXES
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        if size is not None:
            info.file_size = size
        return info

    def add_bytes(self, name: str, data: bytes) -> Entry:
        with self._zip.open(self._info(name, len(data)), "w") as out:
            out.write(data)
        entry = Entry(name, len(data), hashlib.sha256(data).hexdigest())
        self.entries.append(entry)
        return entry

    @contextmanager
    def open_text(self, name: str) -> Iterator[_HashingText]:
        """A text entry written piece by piece (CSV, JSONL, HTML); hashed as it is written."""
        with self._zip.open(self._info(name), "w", force_zip64=True) as raw:
            stream = _HashingText(raw)
            yield stream
            stream.drain()
        self.entries.append(Entry(name, stream.size, stream.sha256.hexdigest()))

    def add_file(
        self,
        name: str,
        source: Path,
        expected_sha256: str | None,
        label: str,
        key: bytes | None = None,
    ) -> Entry:
        """Copy ``source`` into the ZIP, hashing it; stop if it no longer matches the import.

        An encrypted evidence copy is decrypted on the fly with ``key`` (the store's evidence
        key): its plain bytes go only into the ZIP stream. ``label`` names the file for the
        person reading the error."""
        try:
            handle = open_media(source, key)
            size = media_size(handle)
        except OSError as exc:
            raise TriageError(
                f"Media file {label} cannot be read ({exc.strerror or exc}); export stopped"
            ) from exc
        digest = hashlib.sha256()
        with handle, self._zip.open(self._info(name, size), "w") as out:
            try:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            except EvidenceDamaged as exc:
                raise TriageError(f"Media file {label}: {exc}; export stopped") from exc
        actual = digest.hexdigest()
        if expected_sha256 and actual != expected_sha256.lower():
            raise MediaChanged(
                f"Media file {label} has changed since it was imported (SHA-256 {actual[:12]}… "
                f"instead of {expected_sha256[:12]}…); export stopped"
            )
        entry = Entry(name, size, actual)
        self.entries.append(entry)
        return entry
