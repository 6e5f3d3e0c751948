"""Shared helpers for the format tests: read a file with one importer and sort the results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from triage_app.core.records import BadRecord, PostRecord, Skipped
from triage_app.ingest.base import ReadContext
from triage_app.ingest.registry import importers

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Read:
    posts: list[PostRecord] = field(default_factory=list)
    bad: list[BadRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def by_id(self, post_id: str) -> PostRecord:
        found = [p for p in self.posts if p.post_id == post_id]
        assert len(found) == 1, f"{post_id} found {len(found)} times"
        return found[0]


def read_with(fmt: str, path: Path, base_dir: Path | None = None, root: Path | None = None) -> Read:
    """Read ``path`` with the importer ``fmt``; ``root`` is the export's root (media are taken
    only from inside it; the file's folder when not given)."""
    ctx = ReadContext(path=path, base_dir=base_dir or path.parent, root=root)
    result = Read(notes=ctx.notes)
    for item in importers()[fmt].read(path, ctx):
        if isinstance(item, PostRecord):
            result.posts.append(item)
        elif isinstance(item, BadRecord):
            result.bad.append(item)
        else:
            assert isinstance(item, Skipped)
            result.skipped.append(item)
    return result


def utc(text: str) -> int:
    """'2022-10-03T17:57:11' (UTC) as unix seconds."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())
