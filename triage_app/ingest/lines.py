"""Reading a text file line by line with bounded memory: long lines, NUL bytes and bad UTF-8
become reasons to quarantine that line, never a crash or a whole line held in memory.

Every line-based importer (WhatsApp text, generic JSONL, X v1/v2 JSONL, the CSV readers) reads
through ``iter_raw_lines``: the file is read in bounded pieces, a line up to the record limit
(1 MB) is returned whole, and a longer line is returned as its first KEEP_RAW_BYTES plus its
full size while the rest of it is skipped up to the next newline without being kept. Peak
memory is therefore about one record, whatever the file holds (a 2 GB line included)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_RECORD_BYTES = 1024 * 1024  # a record longer than this is quarantined, not parsed
KEEP_RAW_BYTES = 64 * 1024  # how much of an over-long record is kept in quarantine
READ_PIECE = 1024 * 1024  # how much of an over-long line is read (and dropped) at a time


def size_text(limit: int) -> str:
    """1048576 -> "1 MB", 65536 -> "64 KB"."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit:,} bytes"


def oversized_reason(size: int, what: str = "record", limit: int = MAX_RECORD_BYTES) -> str:
    """The quarantine reason for a record longer than the limit, e.g.
    "record over 1 MB (2,147,483,648 bytes); first 64 KB kept"."""
    return (
        f"{what} over {size_text(limit)} ({size:,} bytes); first {size_text(KEEP_RAW_BYTES)} kept"
    )


@dataclass(slots=True)
class LineAccount:
    """Where every line of a line-based export went (the accounting rule of issue 13).

    Each line is exactly one of: the first line of a post, a continuation of the post before
    it, a line of a recognised system notice, or a quarantined line. Blank lines count with the
    line group they sit in: a blank line inside or at the end of a message is a continuation of
    it (trailing blank lines are not kept in its text), one after a notice counts with the
    notice, one in quarantined text is quarantined, and blank lines before the first message
    count as continuation (they carry nothing). The four numbers add up to ``total``, the
    file's line count (a last line without a final newline counts; an empty file has none)."""

    total: int = 0
    posts: int = 0
    continuation: int = 0
    notices: int = 0
    quarantined: int = 0

    def balanced(self) -> bool:
        return self.posts + self.continuation + self.notices + self.quarantined == self.total

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "posts": self.posts,
            "continuation": self.continuation,
            "notices": self.notices,
            "quarantined": self.quarantined,
        }


class LineTally:
    """Settles each record of a line-based file (a JSONL line, a CSV record of one or more
    lines) by what was read from it, into a LineAccount.

    The reader calls ``start()`` when a record begins and ``line()`` for each line it takes
    (``count_total=False`` when ``iter_lines(account=...)`` already counts the file's lines and
    its blank ones); the pipeline calls ``item()`` for everything the importer yields while
    that record is the current one (importers yield a record's items before reading on), and
    ``finish()`` at the end. A record is then: a post line (its first line a post, the rest
    continuation) when it gave at least one post, else a notice (every line) when it gave a
    skipped record or was marked with ``notice()`` (a CSV header), else quarantined (every
    line) when it gave a quarantined record, else continuation (a record that carries nothing:
    a CSV row of empty fields)."""

    __slots__ = ("account", "count_total", "_lines", "_outcome")

    POST, NOTICE, BAD = 3, 2, 1

    def __init__(self, account: LineAccount, count_total: bool = True) -> None:
        self.account = account
        self.count_total = count_total
        self._lines = 0
        self._outcome = 0

    def start(self) -> None:
        if self._lines:
            self._settle()

    def line(self, count: int = 1) -> None:
        self._lines += count
        if self.count_total:
            self.account.total += count

    def notice(self) -> None:
        if self._outcome < self.NOTICE:
            self._outcome = self.NOTICE

    def outcome(self, kind: int) -> None:
        if kind > self._outcome:
            self._outcome = kind

    def finish(self) -> None:
        self._settle()

    def _settle(self) -> None:
        count, outcome, account = self._lines, self._outcome, self.account
        if count:
            if outcome == self.POST:
                account.posts += 1
                account.continuation += count - 1
            elif outcome == self.NOTICE:
                account.notices += count
            elif outcome == self.BAD:
                account.quarantined += count
            else:
                account.continuation += count
        self._lines = 0
        self._outcome = 0


@dataclass(slots=True)
class RawLine:
    """One line of a binary file as ``iter_raw_lines`` reads it."""

    number: int  # 1-based
    data: bytes  # without the line ending; only the first KEEP_RAW_BYTES when oversized
    ending: bytes  # b"\n", b"\r\n" or b"" (the last line of a file without a final newline)
    size: int  # the line's full length in bytes, without its ending
    end_offset: int  # bytes consumed so far
    oversized: bool  # longer than the limit: ``data`` is only its head
    has_nul: bool  # a NUL byte in the line (checked in the whole line, kept part or not)
    quotes: int = 0  # how many '"' the whole line holds (only when asked: the CSV reader)


def iter_raw_lines(
    handle: BinaryIO, limit: int = MAX_RECORD_BYTES, count_quotes: bool = False
) -> Iterator[RawLine]:
    """Every line of ``handle`` (blank ones included), each at most ``limit`` bytes in memory."""
    number = 0
    offset = 0
    while True:
        chunk = handle.readline(limit + 1)
        if not chunk:
            return
        number += 1
        offset += len(chunk)
        if chunk.endswith(b"\n") or len(chunk) <= limit:
            ending = b"\r\n" if chunk.endswith(b"\r\n") else b"\n" if chunk[-1:] == b"\n" else b""
            data = chunk[: len(chunk) - len(ending)] if ending else chunk
            yield RawLine(
                number,
                data,
                ending,
                len(data),
                offset,
                False,
                b"\x00" in data,
                data.count(b'"') if count_quotes else 0,
            )
            continue
        # Longer than the limit: keep its head, drop the rest in bounded pieces.
        size = len(chunk)
        nul = b"\x00" in chunk
        quotes = chunk.count(b'"') if count_quotes else 0
        head = chunk[:KEEP_RAW_BYTES]
        del chunk
        ending = b""
        while True:
            more = handle.readline(READ_PIECE)
            if not more:
                break
            offset += len(more)
            if more.endswith(b"\n"):
                ending = b"\r\n" if more.endswith(b"\r\n") else b"\n"
                more = more[: len(more) - len(ending)]
            size += len(more)
            nul = nul or b"\x00" in more
            if count_quotes:
                quotes += more.count(b'"')
            if ending:
                break
        yield RawLine(number, head, ending, size, offset, True, nul, quotes)


@dataclass(slots=True)
class Line:
    number: int  # 1-based
    raw: bytes  # without the line ending (only the first KEEP_RAW_BYTES when too long)
    text: str | None  # decoded text, or None when there is a problem
    problem: str | None
    end_offset: int  # bytes consumed so far


def iter_lines(
    handle: BinaryIO, limit: int = MAX_RECORD_BYTES, account: LineAccount | None = None
) -> Iterator[Line]:
    """Yield every non-blank line; a problem (too long, NUL byte, bad UTF-8) is reported.

    With ``account``, every line read is counted in ``account.total`` and a blank line (it
    carries nothing) as a continuation; the caller counts the lines it yields."""
    for line in iter_raw_lines(handle, limit):
        number, raw, offset = line.number, line.data, line.end_offset
        if account is not None:
            account.total += 1
        if line.oversized:
            yield Line(number, raw, None, oversized_reason(line.size, limit=limit), offset)
            continue
        if not raw.strip():
            if account is not None:
                account.continuation += 1
            continue
        if line.has_nul:
            yield Line(number, raw, None, "record contains NUL bytes", offset)
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Line(number, raw, None, f"invalid UTF-8 at byte {exc.start}", offset)
            continue
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield Line(number, raw, text, None, offset)
