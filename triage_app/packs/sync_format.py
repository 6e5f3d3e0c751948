"""The inside of a sync pack: a ZIP of JSONL sections, media files and a manifest with the size
and SHA-256 of every entry (format ``triage-sync``, version 1; docs/security.md describes it).

Reading checks every entry against the manifest before any row is handed to the merge, so a
pack that was altered inside its (already verified) encryption is refused whole."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import TriageError

FORMAT = "triage-sync"
VERSION = 1
SECTIONS = ("accounts", "posts", "media", "decisions", "outcomes", "audit")
_MEDIA_NAME = re.compile(r"^media/[0-9a-f]{64}(\.[A-Za-z0-9]{1,10})?$")


class SyncPackError(TriageError):
    """The sync pack is not one this program wrote, or its content does not match its manifest."""


@dataclass
class SyncContents:
    """A read pack: the manifest, the rows of each section, and media entry names by SHA-256."""

    manifest: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    media_files: dict[str, str] = field(default_factory=dict)  # sha256 -> entry name


def _jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    for row in rows:
        yield (
            json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
        ).encode("utf-8")


def write_pack_zip(
    target: Path,
    manifest: dict[str, Any],
    sections: dict[str, list[dict[str, Any]]],
    media_files: dict[str, Path],
) -> dict[str, Any]:
    """Write the ZIP at ``target`` (a new file); returns the manifest as written.

    ``media_files`` maps an entry name (``media/<sha256><suffix>``) to the file to copy."""
    entries: list[dict[str, Any]] = []
    with zipfile.ZipFile(target, "x", compression=zipfile.ZIP_DEFLATED) as zf:
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
            with open(source, "rb") as src, zf.open(entry_name, "w") as out:
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


def read_pack_zip(path: Path) -> SyncContents:
    """Read and check a decrypted pack; SyncPackError names the first thing wrong."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SyncPackError("The sync pack's content is not a ZIP archive") from exc
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError as exc:
            raise SyncPackError("The sync pack has no manifest.json") from exc
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
        listed: dict[str, dict[str, Any]] = {}
        for e in manifest.get("files", []):
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                raise SyncPackError("The sync pack's manifest lists a file without a name")
            listed[e["name"]] = e
        present = set(zf.namelist()) - {"manifest.json"}
        if present != set(listed):
            extra = sorted(present ^ set(listed))
            raise SyncPackError(f"The sync pack's files do not match its manifest ({extra[0]})")
        contents = SyncContents(manifest)
        for name, entry in listed.items():
            data = zf.read(name)
            if len(data) != entry.get("size") or hashlib.sha256(data).hexdigest() != entry.get(
                "sha256"
            ):
                raise SyncPackError(f"{name} in the sync pack does not match its manifest")
            if name.startswith("media/"):
                if not _MEDIA_NAME.match(name) or name[6:70] != entry["sha256"]:
                    raise SyncPackError(f"Unexpected media entry {name} in the sync pack")
                contents.media_files[entry["sha256"]] = name
                continue
            section = name.removesuffix(".jsonl")
            if section not in SECTIONS:
                raise SyncPackError(f"Unexpected entry {name} in the sync pack")
            contents.rows[section] = _parse_lines(name, data)
        missing = [s for s in SECTIONS if s not in contents.rows]
        if missing:
            raise SyncPackError(f"The sync pack lacks {missing[0]}.jsonl")
    return contents


def _parse_lines(name: str, data: bytes) -> list[dict[str, Any]]:
    rows = []
    try:
        text = data.decode("utf-8", "strict")
    except UnicodeDecodeError as exc:
        raise SyncPackError(f"{name} is not UTF-8 text") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise SyncPackError(f"{name} line {number} is not JSON") from exc
        if not isinstance(row, dict):
            raise SyncPackError(f"{name} line {number} is not a JSON object")
        rows.append(row)
    return rows


def extract_media(path: Path, entry: str, target: Path) -> None:
    """Copy one media entry of the decrypted pack to ``target``."""
    with zipfile.ZipFile(path) as zf, zf.open(entry) as src, open(target, "xb") as out:
        while block := src.read(1 << 20):
            out.write(block)
