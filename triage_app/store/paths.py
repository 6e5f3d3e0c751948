"""Where the store, settings and logs live: --db / TRIAGE_DB, --data-dir / TRIAGE_DATA_DIR, or
the user's data folder (platformdirs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from ..core.errors import TriageError
from ..core.fileio import private_dir

APP_NAME = "triage-workstation"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for store, wrapped keys, settings and logs (created on demand)."""
    chosen = override or os.environ.get("TRIAGE_DATA_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    # 0700 whatever the umask; a folder that already holds a store is narrowed too (older
    # versions made it with the umask's mode). Other existing folders are left alone.
    private_dir(path, narrow_existing=not chosen or (path / "store.db.keyinfo.json").exists())
    return path


def default_store_path(
    db: str | os.PathLike[str] | None = None, data: str | os.PathLike[str] | None = None
) -> Path:
    """--db wins, then TRIAGE_DB, then `store.db` in the data folder."""
    chosen = db or os.environ.get("TRIAGE_DB")
    if chosen:
        return Path(chosen)
    return data_dir(data) / "store.db"


def current_user() -> str:
    """The person using the program: the OS login of the process, from the OS user database.

    No environment variable, flag or setting can change it (LOGNAME, USER and the old
    TRIAGE_USER are ignored on purpose): acting as someone else takes their OS account."""
    if sys.platform == "win32":
        return _windows_login()
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers): still one fixed name
        return f"uid-{uid}"


def _windows_login() -> str:
    """The Windows account name from GetUserNameW (not the USERNAME environment variable)."""
    import ctypes

    size = ctypes.c_ulong(257)
    buffer = ctypes.create_unicode_buffer(size.value)
    if not ctypes.windll.advapi32.GetUserNameW(buffer, ctypes.byref(size)):  # type: ignore[attr-defined]
        raise TriageError("Windows did not say which account is logged in (GetUserNameW failed)")
    return buffer.value
