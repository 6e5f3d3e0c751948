"""CSV rows streamed with the exact text of each record kept for provenance, in bounded memory.

``CsvSource`` hands csv.reader the file's lines (ingest/lines.py: no line over the record limit
is ever held whole) and counts the bytes of the record being read: a record over 1 MB, be it
one long line or a quoted field running over many lines, makes the reader raise
``RecordTooLong`` (quarantined as "record over 1 MB (N bytes); first 64 KB kept"). Before it
raises, it skips to the end of that record by quote parity (a standard CSV quotes a quote by
doubling it, so an odd count of quotes so far means the record goes on), and csv.reader starts
afresh at the next line, which starts a record. A CSV that quotes with a backslash escape, or
has a stray quote inside an unquoted field of an over-long record, may be resynchronised a few
lines late; what is skipped is counted in the quarantined record's size.

Every line is accounted for (issue 13; ingest/lines.py: LineTally) in ``ctx.lines``: the header
record's lines are notices, a record that gives a post is one post line and continuation lines
for the rest of its quoted fields' lines, a quarantined record's lines are all quarantined, and a
blank line or a row of empty fields is continuation (it carries nothing). A lone CR ends a line
as it does for the CSV reader."""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ...core.errors import UnreadableFileError
from ...core.records import BadRecord
from ..base import ReadContext
from ..lines import (
    KEEP_RAW_BYTES,
    MAX_RECORD_BYTES,
    LineAccount,
    LineTally,
    RawLine,
    iter_raw_lines,
    oversized_reason,
)

# No field can be longer than its record, which CsvSource holds to MAX_RECORD_BYTES; the
# module-wide limit (csv keeps one for the whole process) is set above that, once, here.
csv.field_size_limit(2 * MAX_RECORD_BYTES)
_LONE_CR = re.compile("(?<=\r)(?!\n)")


class RecordTooLong(Exception):
    """Raised out of csv.reader by CsvSource when the record being read is over the limit."""

    def __init__(self, line_no: int, size: int, head: bytes, nul: bool) -> None:
        super().__init__(oversized_reason(size))
        self.line_no = line_no
        self.size = size
        self.head = head
        self.nul = nul

    @property
    def reason(self) -> str:
        return str(self)


class CsvSource:
    """The lines of a CSV file for csv.reader, with every record held to ``limit`` bytes.

    Call ``start_record`` after each row csv.reader returns (and after a RecordTooLong): the
    source then counts the next record from zero. ``captured`` is the record's text so far,
    ``nul`` says whether it holds a NUL byte, ``first_line`` is the line it starts on."""

    def __init__(
        self,
        handle: BinaryIO,
        ctx: ReadContext,
        errors: str = "strict",
        limit: int = MAX_RECORD_BYTES,
    ) -> None:
        self._lines = iter_raw_lines(handle, limit, count_quotes=True)
        self._ctx = ctx
        self._errors = errors
        self._limit = limit
        self._pending: deque[str] = deque()
        self.captured: list[str] = []
        self.size = 0
        self.quotes = 0
        self.nul = False
        self.first_line = 1
        self.line_no = 0
        if ctx.tally is None:
            ctx.lines = LineAccount()
            ctx.tally = LineTally(ctx.lines)
        self.tally: LineTally = ctx.tally

    def header_read(self) -> None:
        """The record just read is the header: its lines count as notices."""
        self.tally.notice()

    def start_record(self) -> None:
        self.tally.start()
        self._reset()

    def _reset(self) -> None:
        self.captured.clear()
        self.size = 0
        self.quotes = 0
        self.nul = False
        self.first_line = self.line_no + 1

    def __iter__(self) -> CsvSource:
        return self

    def __next__(self) -> str:
        if self._pending:
            self.tally.line()
            return self._pending.popleft()
        line = next(self._lines)  # StopIteration: the end of the file for csv.reader
        self.tally.line()
        self._ctx.report_bytes(line.end_offset)
        self.line_no = line.number
        if not self.captured:
            self.first_line = line.number
        self.size += line.size + len(line.ending)
        self.quotes += line.quotes
        self.nul = self.nul or line.has_nul
        if line.oversized or self.size > self._limit:
            self._skip_record(line)
        text = (line.data + line.ending).decode("utf-8", self._errors)
        if line.number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        self.captured.append(text)
        if "\r" in text and _LONE_CR.search(text[:-1]):
            # a lone CR ends a line too (as the text-mode reader with newline="" did)
            pieces = [piece for piece in _LONE_CR.split(text) if piece]
            self._pending.extend(pieces[1:])
            return pieces[0]
        return text

    def _skip_record(self, line: RawLine) -> None:
        """Skip to the end of the over-long record without keeping it, then raise."""
        kept = "".join(self.captured).encode("utf-8", "surrogateescape")
        head = (kept + line.data + line.ending)[:KEEP_RAW_BYTES]
        first, size, nul = self.first_line, self.size, self.nul
        while self.quotes % 2 == 1:  # inside a quoted field: the record goes on
            following = next(self._lines, None)
            if following is None:
                break
            self._ctx.report_bytes(following.end_offset)
            self.tally.line()
            self.line_no = following.number
            size += following.size + len(following.ending)
            self.quotes += following.quotes
            nul = nul or following.has_nul
        self._reset()  # the tally goes on: the quarantined record's lines are its own
        raise RecordTooLong(first, size, head, nul)


def open_csv(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


@dataclass
class CsvRow:
    line_no: int  # the line the record starts on (1 = header)
    record_no: int
    values: dict[str, str]
    raw: str  # the record's own lines, exactly as in the file
    short: bool  # fewer fields than the header (a cut or damaged line)


def header_of(head: bytes) -> list[str]:
    """The column names of a CSV file from its first bytes (for detection)."""
    text = head.decode("utf-8-sig", errors="ignore")
    first = text.split("\n", 1)[0]
    try:
        return [name.strip() for name in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


def iter_csv(path: Path, ctx: ReadContext) -> Iterator[CsvRow | BadRecord]:
    """Each data row as a dict keyed by header, with its raw text; UTF-8 (BOM allowed) only.
    A record over the record limit or holding a NUL byte comes as a BadRecord."""
    try:
        with open_csv(path) as handle:
            source = CsvSource(handle, ctx)
            reader = csv.reader(source)
            try:
                header = [name.strip() for name in next(reader, [])]
                source.header_read()
            except RecordTooLong as exc:
                raise UnreadableFileError(
                    f"{path.name}: the CSV header line is over the record limit"
                ) from exc
            if not header:
                raise UnreadableFileError(f"{path.name}: the CSV file has no header line")
            record_no = 0
            while True:
                source.start_record()
                try:
                    fields = next(reader, None)
                except RecordTooLong as exc:
                    record_no += 1
                    yield BadRecord(exc.reason, exc.head, record_no, exc.line_no)
                    continue
                if fields is None:
                    return
                raw = "".join(source.captured)
                start = source.first_line
                if not any(f.strip() for f in fields):
                    continue
                record_no += 1
                if source.nul:
                    yield BadRecord(
                        "record contains NUL bytes", raw.encode("utf-8"), record_no, start
                    )
                    continue
                values = {
                    name: (fields[i] if i < len(fields) else "") for i, name in enumerate(header)
                }
                yield CsvRow(start, record_no, values, raw, len(fields) < len(header))
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{path.name}: not UTF-8 text; save it as UTF-8 CSV and import again"
        ) from exc
    except csv.Error as exc:
        raise UnreadableFileError(f"{path.name}: damaged CSV ({exc})") from exc
