"""All importers, by ``--format`` name, and automatic detection that refuses to guess."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from ..core.errors import UnreadableFileError, UsageError
from .base import Confidence, Importer

HEAD_BYTES = 64 * 1024


def importers() -> dict[str, Importer]:
    """Every module in ``triage_app.ingest.formats`` that exposes ``IMPORTER``."""
    from . import formats

    found: dict[str, Importer] = {}
    for info in pkgutil.iter_modules(formats.__path__):
        module = importlib.import_module(f"{formats.__name__}.{info.name}")
        importer = getattr(module, "IMPORTER", None)
        if importer is not None:
            found[importer.name] = importer
    return found


def format_names() -> list[str]:
    return sorted(importers())


def read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEAD_BYTES)


def detect_format(path: Path, forced: str | None = None) -> Importer:
    """The importer for ``path``: ``forced`` if given, else the single most confident one."""
    table = importers()
    if forced and forced != "auto":
        if forced not in table:
            raise UsageError(f"Unknown format {forced!r}; known: {', '.join(sorted(table))}")
        return table[forced]
    try:
        head = read_head(path)
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not head:
        raise UnreadableFileError(f"{path}: the file is empty")
    scores = {name: _safe_detect(imp, path, head) for name, imp in table.items()}
    best = max(scores.values(), default=Confidence.NO)
    if best == Confidence.NO:
        raise UnreadableFileError(
            f"{path}: not a format this program knows (use --format to force one)"
        )
    winners = sorted(name for name, score in scores.items() if score == best)
    if len(winners) > 1:
        raise UnreadableFileError(
            f"{path}: could be {' or '.join(winners)}; say which with --format"
        )
    return table[winners[0]]


def _safe_detect(importer: Importer, path: Path, head: bytes) -> Confidence:
    """A detector that trips over a strange head (a nesting bomb, odd bytes) says no."""
    try:
        return importer.detect(path, head)
    except (ValueError, TypeError, RecursionError, UnicodeError):
        return Confidence.NO
