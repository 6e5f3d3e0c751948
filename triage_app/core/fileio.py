"""Small durable-file helpers shared by the store, packs and sync."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, TextIO


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; folders that cannot be opened or synced are skipped
    (some file systems refuse it, and the rename itself has already happened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- owner-only files and folders --------------------------------------------------------------
# Every file the program creates is 0600 and every folder 0700, whatever the umask: the CLI and
# the window set PRIVATE_UMASK at start, and the library creates its files through these helpers
# so that code called from elsewhere (tests, scripts) gets the same modes.

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path, *, narrow_existing: bool = False) -> Path:
    """Create ``path`` (and any missing parents) owner-only. An existing folder is left as it
    is unless ``narrow_existing`` (then, if it is ours, it is narrowed to 0700; never a folder
    owned by someone else, never a shared sticky folder such as /tmp)."""
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass
        _narrow(folder, DIR_MODE)
    if not missing and narrow_existing:
        try:
            sticky = bool(path.stat().st_mode & stat.S_ISVTX)
        except OSError:
            sticky = True
        if not sticky:
            _narrow(path, DIR_MODE)
    return path


def make_private(path: Path) -> None:
    """Narrow an existing file of ours to 0600 (a folder to 0700)."""
    path = Path(path)
    _narrow(path, DIR_MODE if path.is_dir() else FILE_MODE)


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty and owner-only unless it exists; returns whether it was created.

    Used before SQLite opens a new store, so the store (and its -wal/-shm files, which SQLite
    gives the store's mode) is never readable by others, not even for a moment."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE)
    except FileExistsError:
        return False
    try:
        if _POSIX:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def open_private(path: Path, *, append: bool = False, encoding: str = "utf-8") -> TextIO:
    """Open a text file for writing (truncating, or appending), created 0600; an existing file
    of ours is narrowed to 0600 first."""
    flags = os.O_WRONLY | os.O_CREAT | _NOFOLLOW | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        st = os.fstat(fd)
        if _POSIX and _owned(st) and stat.S_IMODE(st.st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
        return open(fd, "a" if append else "w", encoding=encoding)
    except BaseException:
        os.close(fd)
        raise


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_POSIX = hasattr(os, "fchmod") and hasattr(os, "getuid")


def _owned(st: os.stat_result) -> bool:
    return not _POSIX or st.st_uid == os.getuid()


def _narrow(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or not _owned(st):
            return
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)
    except OSError:
        pass


def create_new_private(path: Path) -> BinaryIO:
    """``open(path, "xb")``, but the new file is 0600 whatever the umask."""
    return open(_new_private_fd(path), "wb")


def create_new_private_text(path: Path, encoding: str = "utf-8") -> TextIO:
    """``open(path, "x")``, but the new file is 0600 whatever the umask."""
    return open(_new_private_fd(path), "w", encoding=encoding)


def _new_private_fd(path: Path) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE)
    try:
        if _POSIX:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd
