"""Media files an export names relative to its own folder (Telegram, WhatsApp, Facebook)."""

from __future__ import annotations

from pathlib import Path

from ...core.records import MediaRecord


def local_media(base_dir: Path, relative: str, kind: str, mime: str | None = None) -> MediaRecord:
    """A MediaRecord for ``relative`` under ``base_dir``: an absolute path when the file is
    there, ``missing`` when it is absent or the name would lead outside the export folder."""
    name = relative.replace("\\", "/").strip()
    base = base_dir.resolve()
    candidate = (base / name).resolve()
    inside = candidate == base or base in candidate.parents
    if name and inside and candidate.is_file():
        return MediaRecord(kind=kind, path=str(candidate), mime=mime, name=name)
    return MediaRecord(kind=kind, missing=True, mime=mime, name=name or None)
