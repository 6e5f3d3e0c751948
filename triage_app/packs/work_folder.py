"""The hidden folder a pack is built in, beside its destination, and the clean-up of folders
that killed builds left behind.

A build writes the encrypted pack and its signature in ``.NAME.HOST-PID.XXXXXXXX.partial/`` and
only then links them to their final names, so a build killed half-way (power cut, SIGKILL)
never leaves a partial file under the pack's name; it leaves this folder. Its name says which
machine (a short hash of the host name) and which process made it, from the instant it exists.
The next build in the same folder removes the folders of builds that are gone: made on this
machine by a process that no longer runs. A folder from another machine (a shared USB stick)
may belong to a build still running there, so it is left alone; one whose name says neither
(an older version's) is removed once it is an hour old. The folders never hold anything in
plain text: the ZIP is encrypted as it is written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..core.errors import TriageError
from ..core.scratch import (
    UNOWNED_AFTER_SECONDS,
    host_tag,
    left_behind,
    parse_owner,
    remove_path,
)

__all__ = [
    "SUFFIX",
    "UNOWNED_AFTER_SECONDS",
    "host_tag",
    "make_work_folder",
    "owner_of",
    "remove_stale_work_folders",
]

SUFFIX = ".partial"


def make_work_folder(out_path: Path) -> Path:
    """A new hidden folder beside ``out_path`` for one build, named after its owner."""
    prefix = f".{out_path.name}.{host_tag()}-{os.getpid()}."
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, suffix=SUFFIX, dir=out_path.parent))
    except OSError as exc:
        raise TriageError(
            f"Cannot write the pack in {out_path.parent}: {exc.strerror or exc}"
        ) from exc


def remove_stale_work_folders(folder: Path) -> list[Path]:
    """Remove the work folders in ``folder`` that builds killed earlier left; returns them.

    The rule is the scratch clean-up's (core/scratch.py ``left_behind``): a folder of this
    machine whose process no longer runs, or one whose name has no owner once an hour old.
    Never raises: a folder that cannot be read or removed is simply left."""
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if _looks_like_work_folder(p)]
    except OSError:
        return removed
    for path in candidates:
        if left_behind(path, owner_of(path), unowned=True) and remove_path(path):
            removed.append(path)
    return removed


def _looks_like_work_folder(path: Path) -> bool:
    return (
        path.name.startswith(".")
        and path.name.endswith(SUFFIX)
        and ".age." in path.name
        and path.is_dir()
        and not path.is_symlink()
    )


def owner_of(path: Path) -> tuple[str, int] | None:
    """(host tag, pid) from a work folder's name, or None when the name has no owner."""
    parts = path.name[: -len(SUFFIX)].rsplit(".", 2)
    if len(parts) != 3:
        return None
    return parse_owner(parts[1])
