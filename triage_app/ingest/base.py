"""The small interface every importer implements: detect, read (records), normalise.

An importer is a module-level object with:

- ``name``: the ``--format`` value (``jsonl``, ``csv``, ``x-v2``, ``telegram`` …);
- ``detect(path, head) -> Confidence``: how sure it is that the file is its format, looking at
  the file name and the first bytes (``head``, up to 64 KiB). It must not read the whole file;
- ``read(path, ctx) -> Iterator[ReadResult]``: stream the file and yield one ``PostRecord`` per
  post, a ``BadRecord`` for a record that cannot be read (it goes to quarantine, the rest of the
  file still imports) or a ``Skipped`` (counted, e.g. service messages). Raise
  ``UnreadableFileError`` when the file as a whole cannot be read (not this format at all,
  truncated archive, not text). Never read a large file whole into memory.

Detection never guesses silently: the pipeline refuses a file that two formats claim with the
same confidence and asks for ``--format``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..core.records import ReadResult
from .lines import LineAccount, LineTally
from .media_confine import MEDIA_SIZE_LIMIT


class Confidence(enum.IntEnum):
    NO = 0
    MAYBE = 1  # e.g. the right extension but no tell-tale keys seen yet
    SURE = 2  # tell-tale structure seen in the head of the file


@dataclass
class ReadContext:
    """What the pipeline tells an importer about the file it is reading."""

    path: Path
    base_dir: Path  # media paths in the export are relative to this folder
    report_bytes: Callable[[int], None] = lambda n: None  # bytes consumed so far (progress)
    cancelled: Callable[[], bool] = lambda: False
    notes: list[str] = field(default_factory=list)  # things worth telling the user
    root: Path | None = None  # the export's root: media are taken only from inside it
    media_limit: int = MEDIA_SIZE_LIMIT  # the largest media file taken from the export
    # "dmy" or "mdy" when the user said which (`triage import --date-order`); else decided
    # from the file, and a file that cannot tell is refused (WhatsApp)
    date_order: str | None = None
    # a line-based importer says here where every line went (ingest/lines.py: LineAccount)
    lines: LineAccount | None = None
    # the reader's record-by-record tally into ``lines`` (settled by the pipeline's items)
    tally: LineTally | None = None
    timezone: str | None = None  # --timezone: settles an ambiguous zone abbreviation (IST …)

    @property
    def export_root(self) -> Path:
        """The folder media must lie in (the folder given, the file's folder, the unpacked ZIP)."""
        return self.root if self.root is not None else self.base_dir


class Importer(Protocol):
    name: str
    description: str

    def detect(self, path: Path, head: bytes) -> Confidence: ...

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]: ...
