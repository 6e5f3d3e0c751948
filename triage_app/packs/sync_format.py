"""The inside of a sync pack: a ZIP of JSONL sections, media files and a manifest with the size
and SHA-256 of every entry (format ``triage-sync``, version 1; docs/security.md describes it).

Reading checks every entry against the manifest before any row is handed to the merge, so a
pack that was altered inside its (already verified) encryption is refused whole."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from ..core.errors import TriageError
from ..store.evidence_crypto import open_media
from .sync_rows import check_row

FORMAT = "triage-sync"
VERSION = 1
SECTIONS = ("accounts", "posts", "media", "decisions", "outcomes", "audit")
_MEDIA_NAME = re.compile(r"^media/[0-9a-f]{64}(\.[A-Za-z0-9]{1,10})?$")
_NOT_BLANK = re.compile(rb"\S")
BLOCK = 1 << 20
MAX_LINE = 32 << 20  # one row (a post with its raw source) is never near this
MAX_MANIFEST = 64 << 20  # about 400,000 listed files
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted entry
)


class SyncPackError(TriageError):
    """The sync pack is not one this program wrote, or its content does not match its manifest."""


@dataclass
class SyncContents:
    """A read pack: the manifest, the rows of each section, and media entry names by SHA-256."""

    manifest: dict[str, Any]
    rows: dict[str, Section] = field(default_factory=dict)
    media_files: dict[str, str] = field(default_factory=dict)  # sha256 -> entry name


def _jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    for row in rows:
        yield (
            json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
        ).encode("utf-8")


def write_pack_zip(
    target: Path | IO[bytes] | Any,
    manifest: dict[str, Any],
    sections: dict[str, list[dict[str, Any]]],
    media_files: dict[str, Path],
    key: bytes | None = None,
) -> dict[str, Any]:
    """Write the ZIP at ``target`` (a new file, or a writable stream such as a SealingWriter);
    returns the manifest as written.

    ``media_files`` maps an entry name (``media/<sha256><suffix>``) to the file to copy; an
    encrypted evidence copy is decrypted on the fly with ``key`` (the store's evidence key)."""
    entries: list[dict[str, Any]] = []
    mode: Literal["w", "x"] = "x" if isinstance(target, Path) else "w"
    with zipfile.ZipFile(target, mode, compression=zipfile.ZIP_DEFLATED) as zf:
        for name in SECTIONS:
            digest, size = hashlib.sha256(), 0
            with zf.open(f"{name}.jsonl", "w") as out:
                for chunk in _jsonl(sections.get(name, [])):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            entries.append({"name": f"{name}.jsonl", "size": size, "sha256": digest.hexdigest()})
        for entry_name, source in sorted(media_files.items()):
            digest, size = hashlib.sha256(), 0
            with open_media(source, key) as src, zf.open(entry_name, "w", force_zip64=True) as out:
                while block := src.read(1 << 20):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            entries.append({"name": entry_name, "size": size, "sha256": digest.hexdigest()})
        written = dict(manifest)
        written.update(
            format=FORMAT,
            version=VERSION,
            counts={name: len(sections.get(name, [])) for name in SECTIONS},
            files=entries,
        )
        zf.writestr("manifest.json", json.dumps(written, indent=2, sort_keys=True))
    return written


PackSource = Path | Callable[[], IO[bytes]]  # a decrypted pack: a file, or an opener of it


class _OwningZip(zipfile.ZipFile):
    """A ZIP read from a stream it owns (closed with it)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        super().__init__(handle)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._handle.close()


def _zip(source: PackSource) -> zipfile.ZipFile:
    """The pack's ZIP, from its file or from a fresh stream of the opener."""
    if isinstance(source, Path):
        return zipfile.ZipFile(source)
    handle = source()
    try:
        return _OwningZip(handle)
    except BaseException:
        handle.close()
        raise


def read_pack_zip(path: PackSource) -> SyncContents:
    """Read and check a decrypted pack; SyncPackError names the first thing wrong.

    Every entry is read as a stream: its size and SHA-256 are checked against the manifest and
    every row of every section is parsed and type-checked (``sync_rows``), so a bad pack is
    refused before anything is merged, in memory bounded by one block and the longest line.
    The rows are not kept: ``SyncContents.rows`` reads them again from the pack when iterated."""
    try:
        zf = _zip(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SyncPackError("The sync pack's content is not a ZIP archive") from exc
    with zf:
        manifest = _read_manifest(zf)
        files = manifest.get("files")
        if not isinstance(files, list):
            raise SyncPackError("The sync pack's manifest has no file list")
        listed: dict[str, dict[str, Any]] = {}
        for e in files:
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                raise SyncPackError("The sync pack's manifest lists a file without a name")
            listed[e["name"]] = e
        present = set(zf.namelist()) - {"manifest.json"}
        if present != set(listed):
            extra = sorted(present ^ set(listed))
            raise SyncPackError(f"The sync pack's files do not match its manifest ({extra[0]})")
        contents = SyncContents(manifest)
        for name, entry in listed.items():
            if not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
                raise SyncPackError(f"The sync pack's manifest entry for {name} is malformed")
            if name.startswith("media/"):
                if not _MEDIA_NAME.match(name) or name[6:70] != entry["sha256"]:
                    raise SyncPackError(f"Unexpected media entry {name} in the sync pack")
                contents.media_files[entry["sha256"]] = name
            elif name.removesuffix(".jsonl") not in SECTIONS or not name.endswith(".jsonl"):
                raise SyncPackError(f"Unexpected entry {name} in the sync pack")
        missing = [s for s in SECTIONS if f"{s}.jsonl" not in listed]
        if missing:
            raise SyncPackError(f"The sync pack lacks {missing[0]}.jsonl")
        for name, entry in listed.items():
            with _Checked.open(zf, name, entry) as src:
                if name.startswith("media/"):
                    src.finish()
                    continue
                section = name.removesuffix(".jsonl")
                try:
                    for number, row in _rows(name, src):
                        check_row(section, number, row)
                except TriageError:
                    src.finish()  # a section altered in the pack is reported as that
                    raise
                src.finish()
                contents.rows[section] = Section(path, section, entry["size"], entry["sha256"])
    return contents


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        with zf.open("manifest.json") as src:
            data = src.read(MAX_MANIFEST + 1)
    except KeyError as exc:
        raise SyncPackError("The sync pack has no manifest.json") from exc
    except _ZIP_ERRORS as exc:
        raise SyncPackError(f"The sync pack's manifest.json is damaged ({exc})") from exc
    if len(data) > MAX_MANIFEST:
        raise SyncPackError("The sync pack's manifest.json is implausibly large")
    try:
        manifest = json.loads(data)
    except RecursionError as exc:
        raise SyncPackError("The sync pack's manifest.json is nested too deeply") from exc
    except ValueError as exc:
        raise SyncPackError("The sync pack's manifest.json is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SyncPackError("This is not a sync pack (a referral pack? use 'triage pack open')")
    if manifest.get("version") != VERSION:
        raise SyncPackError(
            f"Sync pack version {manifest.get('version')!r} is not one this program reads "
            f"(it reads version {VERSION}); update the program"
        )
    for key in ("pack_id", "from_store", "from_recipient", "created"):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            raise SyncPackError(f"The sync pack's manifest lacks {key!r}")
    return manifest


class _Checked:
    """A ZIP entry read as a stream that counts and hashes what passes through it, refusing
    more bytes than the manifest says and, once read to the end, any difference from it."""

    def __init__(self, src: IO[bytes], name: str, size: int, sha256: str) -> None:
        self._src, self.name, self._size, self._sha256 = src, name, size, sha256
        self._digest = hashlib.sha256()
        self._read = 0

    @classmethod
    @contextmanager
    def open(cls, zf: zipfile.ZipFile, name: str, entry: dict[str, Any]) -> Iterator[_Checked]:
        try:
            src = zf.open(name)
        except _ZIP_ERRORS as exc:
            raise SyncPackError(f"{name} in the sync pack is damaged ({exc})") from exc
        with src:
            yield cls(src, name, entry["size"], entry["sha256"])

    def read(self, n: int) -> bytes:
        try:
            block = self._src.read(n)
        except _ZIP_ERRORS as exc:
            raise SyncPackError(f"{self.name} in the sync pack is damaged ({exc})") from exc
        self._read += len(block)
        if self._read > self._size:
            raise SyncPackError(f"{self.name} in the sync pack does not match its manifest")
        self._digest.update(block)
        return block

    def finish(self) -> None:
        """Read what is left and compare the whole with the manifest."""
        while self.read(BLOCK):
            pass
        if self._read != self._size or self._digest.hexdigest() != self._sha256:
            raise SyncPackError(f"{self.name} in the sync pack does not match its manifest")


@dataclass(frozen=True)
class Section:
    """One section's rows, read again from the decrypted pack each time they are iterated (and
    checked again against the manifest), so a section of any size costs one line of memory."""

    path: PackSource
    section: str
    size: int
    sha256: str

    def __iter__(self) -> Iterator[dict[str, Any]]:
        name = f"{self.section}.jsonl"
        try:
            zf = _zip(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SyncPackError("The sync pack's content is not a ZIP archive") from exc
        entry = {"size": self.size, "sha256": self.sha256}
        with zf, _Checked.open(zf, name, entry) as src:
            for number, row in _rows(name, src):
                yield check_row(self.section, number, row)
            src.finish()


def _rows(name: str, src: _Checked) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSONL entry."""
    for number, line in _lines(name, src):
        try:
            text = line.decode("utf-8", "strict")
        except UnicodeDecodeError as exc:
            raise SyncPackError(f"{name} line {number} is not UTF-8 text") from exc
        try:
            row = json.loads(text)
        except RecursionError as exc:
            raise SyncPackError(f"{name} line {number} is nested too deeply") from exc
        except ValueError as exc:
            raise SyncPackError(f"{name} line {number} is not JSON") from exc
        if not isinstance(row, dict):
            raise SyncPackError(f"{name} line {number} is not a JSON object")
        yield number, row


def _lines(name: str, src: _Checked) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) for each line of ``src`` that is not blank, read a block at a time:
    memory is one block plus the longest line (at most MAX_LINE), and a run of blank lines is
    skipped by the regex engine rather than a line at a time."""
    number = 1  # the line number at position 0 of ``data``
    carry = b""
    while True:
        block = src.read(BLOCK)
        if not block:
            if carry.strip():
                yield number, carry
            return
        data = carry + block if carry else block
        carry = b""
        pos = 0  # always the start of a line, or 0
        while found := _NOT_BLANK.search(data, pos):
            newline = data.rfind(b"\n", pos, found.start())
            start = pos if newline < 0 else newline + 1
            number += data.count(b"\n", pos, start)
            end = data.find(b"\n", found.start())
            if end < 0:
                carry = data[start:]
                break
            if end - start > MAX_LINE:
                raise SyncPackError(f"{name} line {number} is implausibly long")
            yield number, data[start:end]
            number += 1
            pos = end + 1
        else:  # keep a blank last line too: it may go on in the next block
            newline = data.rfind(b"\n", pos)
            start = pos if newline < 0 else newline + 1
            number += data.count(b"\n", pos, start)
            carry = data[start:]
        if len(carry) > MAX_LINE:
            raise SyncPackError(f"{name} line {number} is implausibly long")


@contextmanager
def open_media_entry(path: PackSource, entry: str) -> Iterator[IO[bytes]]:
    """One media entry of the decrypted pack, as a stream (never copied to disk in plain)."""
    with _zip(path) as zf, zf.open(entry) as src:
        yield src
