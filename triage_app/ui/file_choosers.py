"""The file questions the pack and sync dialogs ask: where to write a pack, which file to read,
where to save the signer's public key. One copy, so both dialogs behave the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget

from ..core.errors import TriageError
from ..store.connection import Store

AGE_FILES = "age files (*.age)"
PUBLIC_KEYS = "minisign public keys (*.pub)"


def choose_age_file_to_write(parent: QWidget, title: str, field: QLineEdit) -> None:
    """Ask where to write an .age file; put the answer (with .age added) in ``field``."""
    path, _ = QFileDialog.getSaveFileName(parent, title, field.text(), AGE_FILES)
    if path:
        field.setText(path if path.endswith(".age") else path + ".age")


def choose_file_to_read(parent: QWidget, title: str, field: QLineEdit, kinds: str) -> None:
    """Ask which file to read (``kinds`` is a filter such as AGE_FILES); put it in ``field``."""
    path, _ = QFileDialog.getOpenFileName(parent, title, field.text(), f"{kinds};;All files (*)")
    if path:
        field.setText(path)


def choose_where_to_save_public_key(
    parent: QWidget, start: str, save: Callable[[Path], None]
) -> None:
    """Ask where to save the signer public key, then ``save`` it there."""
    path, _ = QFileDialog.getSaveFileName(parent, "Signer public key", start, PUBLIC_KEYS)
    if path:
        save(Path(path))


def save_public_key(store: Store, path: Path, say: Callable[[str], None]) -> None:
    """Write the store's signer public key to ``path`` (never over an existing file) and say
    in one line how it went."""
    from ..packs.signing import write_public_key

    try:
        write_public_key(store, path)
    except TriageError as exc:
        say(f"{exc}.")
        return
    say(f"Saved the signer public key to {path}.")
