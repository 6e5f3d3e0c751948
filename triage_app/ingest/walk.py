"""Turning what the analyst points at (a file, a folder, a ZIP) into files to import.

A folder is walked recursively; hidden files and media are passed over quietly (media are
imported through the export that names them); a file no importer recognises is reported as
skipped with its reason. A WhatsApp export ZIP is one unit (its chat text plus media); any other
ZIP is unpacked safely to an owner-only scratch folder beside the store (never /tmp; see
core/scratch.py) and walked. Unpacking refuses entries that would
land outside the folder (absolute paths, ``..``), symlinks, and archives that would expand
beyond a size or ratio cap (zip bombs).

A temporary folder lives as long as any unit that points into it: each unit holds a reference
to its folder, and the folder is deleted when the last such unit is garbage-collected (or at the
latest when the program exits). So the walk may be consumed lazily or collected with ``list()``.
"""

from __future__ import annotations

import shutil
import stat
import weakref
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..core.errors import UnreadableFileError
from ..core.scratch import make_scratch
from .base import Confidence
from .registry import importers, read_head

MAX_TOTAL_BYTES = 16 * 1024**3  # what one archive may expand to
MAX_RATIO = 200  # expanded / compressed size of a single entry
MAX_ENTRIES = 200_000
MAX_DEPTH = 4  # ZIPs inside ZIPs
COPY_CHUNK = 1024 * 1024

MEDIA_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".heic",
    ".bmp",
    ".tif",
    ".tiff",
    ".svg",
    ".mp4",
    ".mov",
    ".3gp",
    ".mkv",
    ".webm",
    ".avi",
    ".m4v",
    ".opus",
    ".ogg",
    ".oga",
    ".m4a",
    ".mp3",
    ".aac",
    ".amr",
    ".wav",
    ".pdf",
    ".tgs",
    ".vcf",
    ".html",
    ".css",
    ".js",
    ".ico",
}


def default_work_root() -> Path:
    """Where ZIPs are unpacked when the caller names no folder: the data folder, never /tmp."""
    from ..store.paths import data_dir

    return data_dir()


class TempFolder:
    """A temporary folder deleted when nothing refers to this object any more.

    It is an owner-only scratch folder in ``root`` (the store's folder: an unpacked export holds
    post text and media in plain), named after this machine and process so that the next start
    removes it if this process is killed (core/scratch.py)."""

    def __init__(self, root: Path | None = None) -> None:
        self.path = make_scratch(root or default_work_root(), "zip")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        self._finalizer()


@dataclass(frozen=True)
class ImportUnit:
    """One file to import, or one file passed over (``skip_reason`` set)."""

    path: Path  # the file an importer reads
    base_dir: Path  # media named in the file are relative to this folder
    display_name: str  # what the user sees, e.g. "export.zip!result.json"
    skip_reason: str | None = None
    keep: TempFolder | None = field(default=None, compare=False, repr=False)
    # The export's root: media are taken only from inside it (ingest/media_confine.py). The
    # folder given, the folder of the file given, or the folder a ZIP was unpacked into;
    # None means ``base_dir``.
    root: Path | None = None

    @property
    def display(self) -> str:
        """The name the pipeline shows (same as ``display_name``)."""
        return self.display_name


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in path.relative_to(root).parts)


def _looks_like_zip(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or path.suffix.lower() == ".zip"


def _skip_reason(path: Path, head: bytes, forced: str | None) -> str | None:
    """Why a (non-ZIP) file found in a folder is passed over, or None to import it."""
    if not head:
        return "the file is empty"
    if forced and forced != "auto":
        return None
    if any(imp.detect(path, head) > Confidence.NO for imp in importers().values()):
        return None
    return "not a format this program knows"


def iter_import_units(
    path: Path, forced: str | None = None, _depth: int = 0, *, work_root: Path | None = None
) -> Iterator[ImportUnit]:
    """Every importable file under ``path`` (a file, a folder or a ZIP), in a stable order.

    With ``forced`` (a ``--format`` value) every non-media file is offered to that importer.
    ZIPs are unpacked into scratch folders in ``work_root`` (default: the data folder)."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(f"{path}: no such file or folder")
    if path.is_dir():
        yield from _walk_folder(path, path.name, forced, _depth, work_root)
    else:
        yield from _file_units(
            path, path.parent, path.name, forced, _depth, root=path.parent, work_root=work_root
        )


def _walk_folder(
    folder: Path, label: str, forced: str | None, depth: int, work_root: Path | None = None
) -> Iterator[ImportUnit]:
    """Units of the files under ``folder``, which is their export root."""
    for file in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        if _is_hidden(file, folder):
            continue
        name = f"{label}/{file.relative_to(folder).as_posix()}"
        if file.is_symlink():
            yield ImportUnit(file, file.parent, name, "a symbolic link; not followed")
            continue
        if file.suffix.lower() in MEDIA_SUFFIXES:
            continue
        try:
            yield from _file_units(
                file,
                file.parent,
                name,
                forced,
                depth,
                in_folder=True,
                root=folder,
                work_root=work_root,
            )
        except UnreadableFileError as exc:
            yield ImportUnit(file, file.parent, name, str(exc))


def _file_units(
    file: Path,
    base_dir: Path,
    name: str,
    forced: str | None,
    depth: int,
    in_folder: bool = False,
    root: Path | None = None,
    work_root: Path | None = None,
) -> Iterator[ImportUnit]:
    try:
        head = read_head(file)
    except OSError as exc:
        raise UnreadableFileError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    if not _looks_like_zip(file, head):
        reason = _skip_reason(file, head, forced) if in_folder else None
        yield ImportUnit(file, base_dir, name, reason, root=root)
        return
    if importers()["whatsapp"].detect(file, head) == Confidence.SURE:
        yield from _whatsapp_zip(file, name, work_root)
        return
    if depth >= MAX_DEPTH:
        yield ImportUnit(file, base_dir, name, f"ZIP nested more than {MAX_DEPTH} deep; not opened")
        return
    temp = TempFolder(work_root)
    try:
        extract_zip(file, temp.path / "x")
    except BaseException:
        temp.remove()
        raise
    for unit in _walk_folder(temp.path / "x", name + "!", forced, depth + 1, work_root):
        label = unit.display_name.replace("!/", "!", 1)
        yield ImportUnit(
            unit.path, unit.base_dir, label, unit.skip_reason, unit.keep or temp, root=unit.root
        )


def _whatsapp_zip(file: Path, name: str, work_root: Path | None = None) -> Iterator[ImportUnit]:
    from .formats.whatsapp import chat_member

    member = chat_member(file)
    assert member is not None
    temp = TempFolder(work_root)
    root = temp.path / file.stem  # the chat is named after its folder (see whatsapp.chat_name)
    try:
        extract_zip(file, root)
    except BaseException:
        temp.remove()
        raise
    chat = root / member
    yield ImportUnit(chat, chat.parent, f"{name}!{member}", keep=temp, root=root)


def _safe_member(info: zipfile.ZipInfo, archive: Path) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    member = PurePosixPath(name)
    if (
        member.is_absolute()
        or name.startswith("/")
        or ".." in member.parts
        or ":" in member.parts[0]
    ):
        raise UnreadableFileError(
            f"{archive.name}: entry {info.filename!r} would be written outside the folder; refused"
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnreadableFileError(
            f"{archive.name}: entry {info.filename!r} is a symbolic link; refused"
        )
    return member


def extract_zip(archive: Path, target: Path) -> None:
    """Unpack ``archive`` into ``target`` safely, or raise UnreadableFileError with one line."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise UnreadableFileError(
                    f"{archive.name}: more than {MAX_ENTRIES} entries; refused"
                )
            declared = sum(i.file_size for i in infos)
            if declared > MAX_TOTAL_BYTES:
                raise UnreadableFileError(_bomb(archive))
            members = [(_safe_member(info, archive), info) for info in infos]
            for _member, info in members:
                if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                    raise UnreadableFileError(_bomb(archive))
            written = 0
            target.mkdir(parents=True, exist_ok=True)
            for member, info in members:
                out = target.joinpath(*member.parts)
                if info.is_dir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, open(out, "wb") as sink:
                    # Declared sizes can lie; count what actually comes out, in all (against
                    # the total cap) and of this entry (against its own declared size).
                    this_entry = 0
                    while chunk := source.read(COPY_CHUNK):
                        written += len(chunk)
                        this_entry += len(chunk)
                        if (
                            written > MAX_TOTAL_BYTES
                            or this_entry > max(info.file_size, 1) * 2 + COPY_CHUNK
                        ):
                            raise UnreadableFileError(_bomb(archive))
                        sink.write(chunk)
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError(f"{archive.name}: damaged or truncated ZIP ({exc})") from exc
    except (EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise UnreadableFileError(f"{archive.name}: damaged or unsupported ZIP ({exc})") from exc
    except OSError as exc:
        raise UnreadableFileError(
            f"{archive.name}: cannot be unpacked ({exc.strerror or exc})"
        ) from exc


def _bomb(archive: Path) -> str:
    return (
        f"{archive.name}: would expand to more than {MAX_TOTAL_BYTES // 1024**3} GiB or more than "
        f"{MAX_RATIO} times its size (a zip bomb?); refused"
    )
