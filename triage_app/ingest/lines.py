"""Reading a text file line by line with bounded memory: long lines, NUL bytes and bad UTF-8
become reasons to quarantine that line, never a crash or a whole line held in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_RECORD_BYTES = 1024 * 1024  # a record longer than this is quarantined, not parsed
KEEP_RAW_BYTES = 64 * 1024  # how much of an over-long record is kept in quarantine


@dataclass(slots=True)
class Line:
    number: int  # 1-based
    raw: bytes  # without the line ending (only the first KEEP_RAW_BYTES when too long)
    text: str | None  # decoded text, or None when there is a problem
    problem: str | None
    end_offset: int  # bytes consumed so far


def iter_lines(handle: BinaryIO, limit: int = MAX_RECORD_BYTES) -> Iterator[Line]:
    """Yield every non-blank line; a problem (too long, NUL byte, bad UTF-8) is reported."""
    number = 0
    offset = 0
    while True:
        chunk = handle.readline(limit + 1)
        if not chunk:
            return
        number += 1
        offset += len(chunk)
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            size = len(chunk)
            while True:  # skip the rest of the over-long line in bounded pieces
                more = handle.readline(limit)
                if not more:
                    break
                size += len(more)
                offset += len(more)
                if more.endswith(b"\n"):
                    break
            yield Line(
                number,
                chunk[:KEEP_RAW_BYTES],
                None,
                f"record too long ({size / 1_048_576:.1f} MB; the limit is "
                f"{limit / 1_048_576:.0f} MB)",
                offset,
            )
            continue
        raw = chunk.rstrip(b"\r\n")
        if not raw.strip():
            continue
        if b"\x00" in raw:
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
