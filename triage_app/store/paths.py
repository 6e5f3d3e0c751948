"""Where the store, settings and logs live: --db / TRIAGE_DB, --data-dir / TRIAGE_DATA_DIR, or
the user's data folder (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "triage-workstation"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for store, wrapped keys, settings and logs (created on demand)."""
    chosen = override or os.environ.get("TRIAGE_DATA_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
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
    """The OS login, or TRIAGE_USER where set (tests, shared logins)."""
    name = os.environ.get("TRIAGE_USER")
    if name:
        return name
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name on some locked-down machines
        return "analyst"
