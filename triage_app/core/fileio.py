"""Small durable-file helpers shared by the store, packs and sync."""

from __future__ import annotations

import os
from pathlib import Path


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
