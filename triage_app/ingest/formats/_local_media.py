"""Media files an export names relative to its own folder (Telegram, WhatsApp, Facebook)."""

from __future__ import annotations

from pathlib import Path

from ...core.records import MediaRecord
from ..media_confine import MEDIA_SIZE_LIMIT, check_media


def local_media(
    base_dir: Path,
    relative: str,
    kind: str,
    mime: str | None = None,
    *,
    root: Path | None = None,
    limit: int = MEDIA_SIZE_LIMIT,
) -> MediaRecord:
    """A MediaRecord for ``relative`` under ``base_dir``: its real path when the file is there
    and media_confine's rule takes it (inside ``root``, the export's root, which defaults to
    ``base_dir``), ``missing`` when it is absent, ``refused`` with the reason otherwise."""
    name = relative.replace("\\", "/").strip()
    check = check_media(name, base_dir, root if root is not None else base_dir, limit)
    if check.path is not None:
        return MediaRecord(kind=kind, path=str(check.path), mime=mime, name=name)
    return MediaRecord(kind=kind, missing=True, mime=mime, name=name or None, refused=check.refused)
