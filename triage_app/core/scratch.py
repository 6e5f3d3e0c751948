"""Scratch files and folders of running work (an unpacked ZIP import, a sync pack being built or
read, a media file being encrypted), and the clean-up of those that killed work left behind.

Scratch lives in the data folder in use (beside the store), never in the system's /tmp, and is
owner-only (folders 0700, files 0600). Its name says which machine (8 hex digits of the host
name's SHA-256) and which process made it, from the instant it exists:
``.triage-<kind>.<host>-<pid>.<random>``. Opening a store removes the scratch that processes of
this machine that no longer run left beside it; another machine's (a shared USB stick) may be
in use there and is left alone. Folders that older versions left in plain text (``.sync-out-*``,
``.sync-in-*`` beside the store, ``triage-zip-*`` / ``triage-wa-*`` in /tmp) say no owner: they
are removed once they are an hour old (a running old version is not expected to take that long).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path

PREFIX = ".triage-"
UNOWNED_AFTER_SECONDS = 3600.0
# What older versions left, by where: beside the store (folders holding a plain sync pack), and
# in the evidence folder (media being copied or received).
LEGACY_BESIDE_STORE = (".sync-out-", ".sync-in-")
LEGACY_IN_EVIDENCE = (".incoming-", ".sync-")
_LEGACY_TMP = ("triage-zip-", "triage-wa-")


def host_tag() -> str:
    """This machine in a name: 8 hex digits of its host name's SHA-256."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def scratch_name(kind: str) -> str:
    """A new scratch name (for a file or a folder) owned by this process."""
    return f"{PREFIX}{kind}.{host_tag()}-{os.getpid()}.{secrets.token_hex(4)}"


def make_scratch(parent: Path, kind: str) -> Path:
    """A new owner-only scratch folder in ``parent`` for this process."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}.{host_tag()}-{os.getpid()}.", dir=parent))
    os.chmod(path, 0o700)
    return path


def parse_owner(field: str) -> tuple[str, int] | None:
    """(host tag, pid) from the ``HOST-PID`` part of a name (scratch here, a pack build's work
    folder in packs/work_folder.py), or None when it is not one."""
    host, _, pid = field.partition("-")
    if len(host) != 8 or not pid.isdigit():
        return None
    try:
        int(host, 16)
    except ValueError:
        return None
    return host, int(pid)


def owner_of(name: str) -> tuple[str, int] | None:
    """(host tag, pid) from a scratch name, or None when the name is not one."""
    if not name.startswith(PREFIX):
        return None
    parts = name[len(PREFIX) :].split(".")
    if len(parts) < 3:
        return None
    return parse_owner(parts[1])


def left_behind(path: Path, owner: tuple[str, int] | None, *, unowned: bool) -> bool:
    """Whether ``path`` is what killed work left: its ``owner`` (host tag, pid) is a process of
    this machine that no longer runs. A name with no owner (an older version's) counts only
    where ``unowned`` says such names are leftovers here, and once over an hour old."""
    if owner is None:
        return unowned and _old(path)
    return owner[0] == host_tag() and not process_runs(owner[1])


def process_runs(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process (PermissionError) or unknown: assume it runs
        return True
    return True


def remove_path(path: Path) -> bool:
    """Remove a file or a folder (not following a link); whether it is gone."""
    try:
        info = os.lstat(path)
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass
    return not os.path.lexists(path)


def _old(path: Path) -> bool:
    try:
        return time.time() - os.lstat(path).st_mtime > UNOWNED_AFTER_SECONDS
    except OSError:
        return False


def remove_stale_scratch(folder: Path, legacy: tuple[str, ...] = ()) -> list[Path]:
    """Remove what killed work left in ``folder``: scratch of this machine's processes that no
    longer run, and entries named like an older version's leftovers (``legacy`` prefixes, folders
    beside the store, files in the evidence folder) once over an hour old. Returns what was
    removed; never raises."""
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        path = Path(folder) / name
        unowned = bool(legacy) and name.startswith(legacy)
        if left_behind(path, owner_of(name), unowned=unowned) and remove_path(path):
            removed.append(path)
    return removed


def remove_legacy_temp() -> list[Path]:
    """Older versions unpacked ZIP imports into /tmp and left them when killed: remove this
    user's such folders once they are an hour old. Never raises."""
    removed: list[Path] = []
    tmp = Path(tempfile.gettempdir())
    try:
        names = [n for n in os.listdir(tmp) if n.startswith(_LEGACY_TMP)]
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for name in names:
        path = tmp / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if uid is not None and info.st_uid != uid:
            continue
        if stat.S_ISDIR(info.st_mode) and _old(path) and remove_path(path):
            removed.append(path)
    return removed
