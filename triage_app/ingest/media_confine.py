"""The one rule for media files an export names: evidence comes only from the export itself.

A media file is taken only when its real path (every symbolic link resolved) is a regular file
inside the export's own root — the folder the analyst gave, the folder of the file they gave, or
the folder a ZIP was unpacked into — and is no larger than ``MEDIA_SIZE_LIMIT``. Anything else is
refused with a reason in plain words, which the import records on the post ("media refused:
reason") and counts in its summary:

- "outside the export folder": an absolute path or a ``../`` climb that ends outside the root;
- "a symbolic link that leaves the export folder": a link in the export pointing elsewhere
  (a link to another file inside the export is followed and accepted);
- "a system entry (/proc, /sys or /dev), not a file of the export";
- "not a regular file (FIFO)" (or socket, device, folder): never opened in a way that blocks;
- "over the 2 GiB limit";
- "not found" is not a refusal: the export names a file it does not hold (recorded as missing).

Two steps, both here: ``check_media`` (while the export is read, so importers that search for a
file — Facebook — only ever look inside the root) and ``open_media`` (when the pipeline copies
the file into the evidence store). ``open_media`` walks from the root folder one component at a
time without following links (``O_NOFOLLOW``, ``O_NONBLOCK``), then checks the opened descriptor
(``fstat``: a regular file, the same inode that was checked, within the limit), and the reader it
returns stops at the limit. So a file swapped for a link, a FIFO or a bigger file between the
check and the copy is refused, not copied. URLs are never fetched; they stay URLs.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MEDIA_SIZE_LIMIT = 2 * 1024**3  # bytes: the largest media file taken from an export (2 GiB)
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")  # never evidence, whatever links lead there

NOT_FOUND = "not found"
OUTSIDE = "outside the export folder"
LINK_LEAVES = "a symbolic link that leaves the export folder"
SYSTEM = "a system entry (/proc, /sys or /dev), not a file of the export"
CHANGED = "changed while it was being imported"
LINK_APPEARED = f"{CHANGED} (a symbolic link appeared)"


class MediaRefused(Exception):
    """A media file that is not taken; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MediaCheck:
    """The outcome for one reference: ``path`` (its real path) when accepted, else ``reason``."""

    path: Path | None
    reason: str | None = None

    @property
    def missing(self) -> bool:
        """The export names a file that is not there (not a refusal)."""
        return self.reason == NOT_FOUND

    @property
    def refused(self) -> str | None:
        """Why the file is refused, or None when accepted or merely missing."""
        return None if self.reason in (None, NOT_FOUND) else self.reason


def size_words(limit: int) -> str:
    """'2 GiB', '512 MiB', '100 bytes': a limit as people read it."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if limit >= size and limit % size == 0:
            return f"{limit // size} {unit}"
    return f"{limit} bytes"


def over_limit(limit: int) -> str:
    return f"over the {size_words(limit)} limit"


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _system(path: str) -> bool:
    return any(_inside(path, folder) for folder in SYSTEM_FOLDERS)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symbolic link that cannot be resolved"
    return "special file"


def _not_regular(mode: int) -> str:
    return f"not a regular file ({_kind(mode)})"


def check_media(
    reference: str, base_dir: Path, root: Path, limit: int = MEDIA_SIZE_LIMIT
) -> MediaCheck:
    """Apply the rule to ``reference`` as the export wrote it (relative to ``base_dir``, the
    folder of the file being read; ``root`` is the export's root). Nothing is opened."""
    name = reference.replace("\\", "/").strip()
    if not name:
        return MediaCheck(None, NOT_FOUND)
    if "\x00" in name:
        return MediaCheck(None, "not a usable file name")
    root_abs = os.path.abspath(root)
    root_real = os.path.realpath(root)
    written = os.path.normpath(os.path.join(os.path.abspath(base_dir), name))
    real = os.path.realpath(written)
    if _system(real) and not _system(root_real):
        return MediaCheck(None, SYSTEM)
    if not _inside(real, root_real):
        written_inside = _inside(written, root_abs) or _inside(written, root_real)
        return MediaCheck(None, LINK_LEAVES if written_inside else OUTSIDE)
    if _system(real):
        return MediaCheck(None, SYSTEM)
    try:
        info = os.lstat(real)
    except FileNotFoundError:
        return MediaCheck(None, NOT_FOUND)
    except OSError as exc:
        return MediaCheck(None, f"cannot be read ({exc.strerror or exc})")
    if not stat.S_ISREG(info.st_mode):
        return MediaCheck(None, _not_regular(info.st_mode))
    if info.st_size > limit:
        return MediaCheck(None, over_limit(limit))
    return MediaCheck(Path(real))


def open_media(path: Path, root: Path, limit: int = MEDIA_SIZE_LIMIT) -> io.BufferedReader:
    """Open an accepted media file for copying, checking the rule again on what is opened.

    ``path`` is the real path ``check_media`` gave. Raises MediaRefused with the reason (and
    FileNotFoundError when the file went away). The reader refuses to read past ``limit``."""
    root_real = os.path.realpath(root)
    target = os.path.abspath(path)
    if _system(target) and not _system(root_real):
        raise MediaRefused(SYSTEM)
    if not _inside(target, root_real) or target == root_real:
        raise MediaRefused(OUTSIDE)
    parts = os.path.relpath(target, root_real).split(os.sep)
    # Without openat() (Windows) the path is opened and compared with what was checked.
    fd = _open_beneath(root_real, parts) if _can_walk() else _open_plain(target)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise MediaRefused(_not_regular(info.st_mode))
        if info.st_size > limit:
            raise MediaRefused(over_limit(limit))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return _Limited(io.FileIO(fd, "rb", closefd=True), limit)
    except BaseException:
        os.close(fd)
        raise


def _can_walk() -> bool:
    return (
        hasattr(os, "O_NOFOLLOW")
        and hasattr(os, "O_DIRECTORY")
        and os.open in os.supports_dir_fd
        and os.stat in os.supports_dir_fd
    )


def _flags(*names: str) -> int:
    value = 0
    for flag in names:
        value |= getattr(os, flag, 0)
    return value


def _open_beneath(root_real: str, parts: list[str]) -> int:
    """Open ``root_real/parts...`` following no symbolic link on the way (the real path has
    none; one that appears now means something was swapped in after the check)."""
    folder_flags = _flags("O_RDONLY", "O_DIRECTORY", "O_NOFOLLOW", "O_CLOEXEC")
    folder = os.open(root_real, _flags("O_RDONLY", "O_DIRECTORY", "O_CLOEXEC"))
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(part, folder_flags, dir_fd=folder)
            except OSError as exc:
                raise _refusal(exc) from exc
            os.close(folder)
            folder = inner
        last = parts[-1]
        try:
            before = os.stat(last, dir_fd=folder, follow_symlinks=False)
        except OSError as exc:
            raise _refusal(exc) from exc
        _regular_before_open(before.st_mode)
        try:
            fd = os.open(
                last, _flags("O_RDONLY", "O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC"), dir_fd=folder
            )
        except OSError as exc:
            raise _refusal(exc) from exc
        after = os.fstat(fd)
        if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            os.close(fd)
            raise MediaRefused(CHANGED)
        return fd
    finally:
        os.close(folder)


def _open_plain(target: str) -> int:
    try:
        before = os.lstat(target)
    except OSError as exc:
        raise _refusal(exc) from exc
    _regular_before_open(before.st_mode)
    try:
        fd = os.open(target, _flags("O_RDONLY", "O_BINARY", "O_NOFOLLOW", "O_NONBLOCK"))
    except OSError as exc:
        raise _refusal(exc) from exc
    after = os.fstat(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise MediaRefused(CHANGED)
    return fd


def _regular_before_open(mode: int) -> None:
    """Refuse what is not a regular file before opening it: devices are not even opened
    (opening some has effects), FIFOs could block, a link was swapped in after the check."""
    if stat.S_ISLNK(mode):
        raise MediaRefused(LINK_APPEARED)
    if not stat.S_ISREG(mode):
        raise MediaRefused(_not_regular(mode))


def _refusal(exc: OSError) -> BaseException:
    if exc.errno == errno.ENOENT:
        return FileNotFoundError(errno.ENOENT, NOT_FOUND)
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return MediaRefused(LINK_APPEARED)
    if exc.errno == errno.ENXIO:
        return MediaRefused(_not_regular(stat.S_IFSOCK))
    return MediaRefused(f"cannot be read ({exc.strerror or exc})")


class _Limited(io.BufferedReader):
    """A reader that refuses to go past ``limit`` bytes (a file that grows after the check)."""

    def __init__(self, raw: io.FileIO, limit: int) -> None:
        super().__init__(raw)
        self._limit = limit
        self._left = limit

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._left + 1
        block = super().read(min(size, self._left + 1))
        self._left -= len(block)
        if self._left < 0:
            raise MediaRefused(over_limit(self._limit))
        return block
