"""Verifying and opening a referral pack: the signature is checked first, the pack decrypted to
a temporary folder on the destination's file system, every file checked against SHA256SUMS and
manifest.json, and only then is the folder renamed into place. Any failure is one TriageError
line and leaves nothing at the destination."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import TriageError
from ..core.fileio import create_new_private, private_dir
from . import crypto, signing
from .zipstream import CHUNK, check_entry_name

MAX_INDEX_BYTES = 512 * 1024 * 1024  # SHA256SUMS and manifest.json are read whole


class PackContentError(TriageError):
    """The decrypted pack is not a valid referral pack, or a file fails its hash."""


class PackRenamedError(TriageError):
    """The signature's trusted comment names another file than the one being opened."""


@dataclass(frozen=True)
class OpenedPack:
    folder: Path
    files: int
    signer_key_id: str
    trusted_comment: str
    manifest: dict[str, Any]
    # what was accepted but should be said: a renamed pack (with accept_renamed), or a
    # signature whose trusted comment names no file or pack id (not made by this program)
    notes: tuple[str, ...] = ()


def signed_fields(trusted_comment: str) -> dict[str, str]:
    """The ``key:value`` fields of a minisign trusted comment (tab-separated)."""
    fields: dict[str, str] = {}
    for part in trusted_comment.split("\t"):
        key, sep, value = part.partition(":")
        if sep and key.strip() and key.strip() not in fields:
            fields[key.strip()] = value
    return fields


def check_signed_name(
    pack: Path, verified: signing.Verified, *, accept_renamed: bool = False
) -> list[str]:
    """Compare the file name the signature's trusted comment names with ``pack``'s name.

    A signed pack renamed after signing (``p-meta.age`` sent as ``p-tiktok.age``, or two packs
    of one signer swapped) raises PackRenamedError; with ``accept_renamed`` the mismatch is
    returned as a note instead. A comment that names no file (a pack signed by hand with
    minisign -t) is accepted with a note."""
    signed = signed_fields(verified.trusted_comment).get("file")
    if signed is None:
        return ["the signature's trusted comment does not name the pack file"]
    if signed == pack.name:
        return []
    message = (
        f"{pack.name} was signed under the name {signed!r}: the pack was renamed after signing"
    )
    if not accept_renamed:
        raise PackRenamedError(
            message + "; give it back its signed name, or open it with --accept-renamed"
        )
    return [message]


def _check_signed_pack_id(verified: signing.Verified, manifest: dict[str, Any]) -> list[str]:
    """The pack id in the trusted comment must be the one in the pack's own manifest."""
    signed = signed_fields(verified.trusted_comment).get("pack")
    inside = manifest.get("pack_id")
    if signed is None:
        return ["the signature's trusted comment does not name the pack id"]
    if signed != inside:
        raise PackContentError(
            f"The signature is for pack {signed}, but the pack inside is {inside}: "
            "a signature of another pack"
        )
    return []


def verify_pack(
    pack: Path | str, signer_key: Path | str, signature: Path | str | None = None
) -> signing.Verified:
    """Check the pack's minisign signature against the signer's public key file."""
    pack = Path(pack)
    if not pack.is_file():
        raise TriageError(f"No pack file {pack}")
    public_key = signing.load_public_key(Path(signer_key))
    sig_path = Path(signature) if signature else pack.with_name(pack.name + ".minisig")
    return signing.verify_file(pack, sig_path, public_key)


def open_pack(
    pack: Path | str,
    signer_key: Path | str,
    out_dir: Path | str,
    *,
    identities: Iterable[Any] | None = None,
    passphrase: str | None = None,
    signature: Path | str | None = None,
    accept_renamed: bool = False,
) -> OpenedPack:
    """Verify, decrypt, check and unpack ``pack`` into the new folder ``out_dir``.

    The signature's trusted comment must name this file (see :func:`check_signed_name`) and
    this pack's id (manifest.json's ``pack_id``)."""
    pack = Path(pack)
    out_dir = Path(out_dir)
    _check_destination(out_dir)
    verified = verify_pack(pack, signer_key, signature)
    notes = check_signed_name(pack, verified, accept_renamed=accept_renamed)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".opening", dir=out_dir.parent))
    try:
        plain = work / "pack.zip"
        crypto.decrypt_file(pack, plain, identities=identities, passphrase=passphrase)
        content = work / "content"
        content.mkdir(mode=0o700)
        manifest, count = _unpack_checked(plain, content)
        plain.unlink()
        notes += _check_signed_pack_id(verified, manifest)
        _move_into_place(content, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return OpenedPack(
        out_dir, count, verified.key_id, verified.trusted_comment, manifest, tuple(notes)
    )


def _check_destination(out_dir: Path) -> None:
    if not out_dir.parent.is_dir():
        raise TriageError(f"Folder {out_dir.parent} does not exist")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise TriageError(f"{out_dir} already exists and is not an empty folder")


def _move_into_place(content: Path, out_dir: Path) -> None:
    try:
        os.rename(content, out_dir)  # replaces an empty folder, never a non-empty one
    except OSError as exc:
        raise TriageError(f"Cannot create {out_dir}: {exc.strerror or exc}") from exc


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise PackContentError(f"The pack has no {name}; it is not a referral pack") from exc
    if info.file_size > MAX_INDEX_BYTES:
        raise PackContentError(f"The pack's {name} is implausibly large")
    return archive.read(info)


def _parse_sums(data: bytes) -> dict[str, str]:
    sums: dict[str, str] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackContentError("SHA256SUMS is not UTF-8 text") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep:
            digest, sep, name = line.partition(" *")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digest):
            raise PackContentError(f"SHA256SUMS line {number} is not '<sha256>  <file>'")
        if name in sums:
            raise PackContentError(f"SHA256SUMS lists {name} twice")
        sums[name] = digest.lower()
    return sums


def _manifest_files(manifest: Any) -> dict[str, tuple[int, str]]:
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise PackContentError("manifest.json has no file list")
    files: dict[str, tuple[int, str]] = {}
    for item in manifest["files"]:
        try:
            files[str(item["path"])] = (int(item["size"]), str(item["sha256"]).lower())
        except (KeyError, TypeError, ValueError) as exc:
            raise PackContentError("manifest.json has a malformed file entry") from exc
    return files


def _unpack_checked(plain: Path, content: Path) -> tuple[dict[str, Any], int]:
    """Extract every file, hashing as it goes; every hash must match both indexes."""
    try:
        archive = zipfile.ZipFile(plain)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackContentError("The decrypted pack is not a ZIP file") from exc
    with archive:
        sums = _parse_sums(_read_small(archive, "SHA256SUMS"))
        try:
            manifest = json.loads(_read_small(archive, "manifest.json"))
        except RecursionError as exc:  # JSON nested deeper than Python's stack
            raise PackContentError("manifest.json is nested too deeply to be a manifest") from exc
        except ValueError as exc:
            raise PackContentError("manifest.json is not valid JSON") from exc
        listed = _manifest_files(manifest)
        members = [i for i in archive.infolist() if not i.is_dir()]
        names = {i.filename for i in members}
        if len(names) != len(members):
            raise PackContentError("The pack holds two files with the same name")
        for info in members:
            try:
                check_entry_name(info.filename)
            except ValueError as exc:
                raise PackContentError(
                    f"The pack holds an unsafe file name {info.filename!r}"
                ) from exc
            if info.filename != "SHA256SUMS" and info.filename not in sums:
                raise PackContentError(f"{info.filename} is in the pack but not in SHA256SUMS")
            if info.filename not in ("SHA256SUMS", "manifest.json") and info.filename not in listed:
                raise PackContentError(f"{info.filename} is in the pack but not in manifest.json")
        for name in list(sums) + list(listed):
            if name not in names:
                raise PackContentError(f"{name} is listed but missing from the pack")
        needed = sum(i.file_size for i in members)
        free = shutil.disk_usage(content).free
        if needed > free:
            raise TriageError(
                f"Not enough space to open the pack ({needed} bytes needed, {free} free)"
            )
        for info in members:
            _extract_one(archive, info, content, sums.get(info.filename), listed.get(info.filename))
    return manifest, len(members)


def _extract_one(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    content: Path,
    expected: str | None,
    listed: tuple[int, str] | None,
) -> None:
    target = content.joinpath(*info.filename.split("/"))
    private_dir(target.parent)
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as src, create_new_private(target) as dst:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    raise PackContentError(f"{info.filename} is larger than the pack says")
                digest.update(chunk)
                dst.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise PackContentError(f"{info.filename} in the pack is damaged ({exc})") from exc
    except OSError as exc:
        raise TriageError(f"Cannot write {info.filename}: {exc.strerror or exc}") from exc
    actual = digest.hexdigest()
    if expected is not None and actual != expected:
        raise PackContentError(f"{info.filename} does not match its SHA-256 in SHA256SUMS")
    if listed is not None and (actual != listed[1] or size != listed[0]):
        raise PackContentError(f"{info.filename} does not match its entry in manifest.json")
