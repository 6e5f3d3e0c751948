"""How the CLI and the window open a store: find its key (keyring or passphrase), then open.

This is the one place that decides plain vs encrypted; the keys module supplies the key."""

from __future__ import annotations

from pathlib import Path

from .connection import Store, open_store


def open_for_user(
    path: Path,
    *,
    create: bool = False,
    user: str | None = None,
    data_dir: Path | None = None,
    passphrase: str | None = None,
    encrypted: bool | None = None,
) -> Store:
    """Open the store at ``path`` (creating it when ``create``) for ``user``."""
    return open_store(path, user=user, create=create)
