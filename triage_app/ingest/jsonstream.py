"""Streaming JSON for importers: JSON Lines line by line, big documents item by item.

No importer reads a whole file into memory: JSONL is read a line at a time and a single big
document (a Telegram ``result.json``, a page of API results) is walked with ijson, which parses
integers exactly (``use_float=False``), so ids above 2**53 never pass through a float.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson

from ..core.errors import UnreadableFileError
from ..core.records import BadRecord
from .base import ReadContext

CHUNK = 256 * 1024


class ProgressReader(io.RawIOBase):
    """A binary file that tells the pipeline how many bytes have been consumed."""

    def __init__(self, raw: IO[bytes], ctx: ReadContext) -> None:
        self._raw = raw
        self._ctx = ctx
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._done += n
        self._ctx.report_bytes(self._done)
        return n


_X_ESCAPE = re.compile(rb"(\\+)x")


class EscapeRepairingReader(io.RawIOBase):
    """Rewrites the invalid ``\\xNN`` escapes Telegram Desktop writes into valid ``\\u00NN``.

    Telegram writes control characters as ``\\xNN``, which no JSON parser accepts. Each chunk is
    rewritten with a regular expression that looks at whole runs of backslashes (an odd run
    before "x" is an escape, an even run is escaped backslashes followed by the letter x); one
    bit of state (did the chunk end in an unpaired backslash?) carries a run across reads, so
    it streams.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._odd_backslash = False
        self._pending = b""
        self.repairs = 0

    def readable(self) -> bool:
        return True

    def _fix(self, chunk: bytes) -> bytes:
        head = b""
        if self._odd_backslash and chunk:
            self._odd_backslash = False
            if chunk[:1] == b"x":  # the escape started in the previous chunk
                head, chunk = b"u00", chunk[1:]
                self.repairs += 1
            elif chunk[:1] == b"\\":  # pairs with the previous chunk's backslash
                head, chunk = b"\\", chunk[1:]
        if b"\\" in chunk:
            chunk = _X_ESCAPE.sub(self._replace, chunk)
            trailing = len(chunk) - len(chunk.rstrip(b"\\"))
            self._odd_backslash = trailing % 2 == 1
        return head + chunk

    def _replace(self, match: re.Match[bytes]) -> bytes:
        run = match.group(1)
        if len(run) % 2 == 0:  # escaped backslashes, then a plain letter x
            return match.group(0)
        self.repairs += 1
        return run + b"u00"

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._raw.read(max(len(buffer), 1))
            if not chunk:
                return 0
            self._pending = self._fix(chunk)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


MAX_DEPTH = 256  # real exports nest fewer than 20 levels; a nesting bomb is refused early
_NOT_STRUCTURAL = bytes(b for b in range(256) if b not in b'"\\[]{}')


class DepthLimitedReader(io.RawIOBase):
    """Refuses a JSON document nested deeper than MAX_DEPTH before the parser sees it.

    ijson keeps a prefix per level, so its memory grows with the square of the depth: 100,000
    nested brackets would take gigabytes. Only the characters that matter (quotes, backslashes,
    brackets) are kept from each chunk (``bytes.translate`` at C speed) and walked, with the
    string and escape state carried across chunks."""

    def __init__(self, raw: IO[bytes], path: Path) -> None:
        self._raw = raw
        self._path = path
        self._depth = 0
        self._in_string = False
        self._escaped = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        if n:
            self._scan(data.translate(None, _NOT_STRUCTURAL))
            buffer[:n] = data
        return n

    def _scan(self, marks: bytes) -> None:
        depth, in_string, escaped = self._depth, self._in_string, self._escaped
        for c in marks:
            if in_string:
                if escaped:
                    escaped = False
                elif c == 92:  # backslash
                    escaped = True
                elif c == 34:  # quote
                    in_string = False
            elif c == 34:
                in_string = True
            elif c == 91 or c == 123:  # [ {
                depth += 1
                if depth > MAX_DEPTH:
                    raise UnreadableFileError(
                        f"{self._path.name}: JSON nested more than {MAX_DEPTH} levels deep; "
                        "not an export this program reads"
                    )
            elif c == 93 or c == 125:  # ] }
                depth -= 1
        self._depth, self._in_string, self._escaped = depth, in_string, escaped


def json_safe(value: Any) -> Any:
    """ijson's Decimals (non-integers only) as floats, so records serialise like plain JSON.

    Integers stay Python ints, exact at any size; only fractional numbers (coordinates,
    scores) become floats."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return value


def _decimal_as_float(value: object) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dump_raw(value: object) -> str:
    """The JSON text of one parsed record for ``PostRecord.raw``."""
    return json.dumps(value, ensure_ascii=False, default=_decimal_as_float)


def plain_record(value: Any) -> tuple[Any, str]:
    """(record with Decimals as floats, its JSON text), walking the record only when the JSON
    encoder met a Decimal: most records have none, and the walk is the costly part."""
    met: list[bool] = []

    def default(item: object) -> float:
        met.append(True)
        return _decimal_as_float(item)

    raw = json.dumps(value, ensure_ascii=False, default=default)
    return (json_safe(value) if met else value), raw


def damaged(path: Path, exc: Exception) -> UnreadableFileError:
    """The one line a person sees when a JSON document is cut short or not JSON at all."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return UnreadableFileError(f"{path.name}: damaged or truncated JSON ({detail[:120]})")


@contextmanager
def open_stream(path: Path, ctx: ReadContext, repair_escapes: bool = False) -> Iterator[IO[bytes]]:
    """Open ``path`` for ijson with progress reporting (and Telegram escape repair if asked)."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    with handle:
        stream: io.RawIOBase = ProgressReader(handle, ctx)
        if repair_escapes:
            stream = EscapeRepairingReader(stream)  # type: ignore[arg-type]
        stream = DepthLimitedReader(stream, path)  # type: ignore[arg-type]
        yield io.BufferedReader(stream, CHUNK)


def iter_items(stream: IO[bytes], prefix: str, path: Path) -> Iterator[Any]:
    """ijson items under ``prefix`` (exact integers; several top-level documents allowed)."""
    for item, _raw in iter_records(stream, prefix, path):
        yield item


def iter_records(stream: IO[bytes], prefix: str, path: Path) -> Iterator[tuple[Any, str]]:
    """(item, its JSON text) for each ijson item under ``prefix``, as ``plain_record`` gives."""
    try:
        for item in ijson.items(stream, prefix, use_float=False, multiple_values=True):
            yield plain_record(item)
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
        raise damaged(path, exc) from exc


def iter_lines(path: Path, ctx: ReadContext) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each non-blank line of a JSONL file, streamed."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    done = 0
    with handle:
        for number, line in enumerate(handle, start=1):
            done += len(line)
            ctx.report_bytes(done)
            if line.strip():
                yield number, line


def parse_line(line: bytes, number: int) -> tuple[dict[str, Any], str] | BadRecord:
    """One JSONL line as (object, text) or a BadRecord saying why it cannot be read.

    The json module parses integers exactly at any size, so numeric ids survive."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return BadRecord("line is not UTF-8 text", line, line_no=number)
    text = text.rstrip("\r\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return BadRecord(f"not valid JSON ({exc.msg} at column {exc.colno})", line, line_no=number)
    except RecursionError:
        return BadRecord("JSON nested too deeply", line[:65536], line_no=number)
    if not isinstance(value, dict):
        return BadRecord("line is not a JSON object", line, line_no=number)
    return value, text


def read_head_text(path: Path, size: int = 64 * 1024) -> str:
    """The first ``size`` bytes of a file as text (for choosing how to walk it)."""
    try:
        with open(path, "rb") as handle:
            return sniff_text(handle.read(size)).lstrip()
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


def sniff_text(head: bytes) -> str:
    """The head of a file as text for detection (a cut multi-byte character is dropped)."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.decode("utf-8", errors="ignore")
