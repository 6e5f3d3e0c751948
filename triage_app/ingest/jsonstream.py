"""Streaming JSON for importers: JSON Lines line by line, big documents item by item.

No importer reads a whole file into memory: JSONL is read a line at a time and a single big
document (a Telegram ``result.json``, a page of API results) is walked with ijson, which parses
integers exactly (``use_float=False``), so ids above 2**53 never pass through a float.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson

from ..core.errors import UnreadableFileError
from ..core.records import BadRecord
from .base import ReadContext
from .lines import MAX_RECORD_BYTES, Line, LineAccount, LineTally
from .lines import iter_lines as bounded_lines

CHUNK = 256 * 1024
BOM = b"\xef\xbb\xbf"  # the UTF-8 byte-order mark, skipped wherever a file starts with it


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
_BRACKETS_AND_QUOTES = bytes(b for b in range(256) if b not in b'"[]{}')
# A JSON string over the record limit is cut where it passes the limit: the reader drops the
# rest of it before the parser sees it and puts this mark in its place, followed by a serial
# number. ``cut_string_size`` turns a record holding the mark into its quarantine reason.
CUT_MARK = f"triage-cut-{secrets.token_hex(6)}-"
_CUT_SIZES: dict[int, int] = {}  # serial -> the cut string's full size in bytes
_CUT_SERIAL = itertools.count(1)
_CUT_NUMBER = re.compile(re.escape(CUT_MARK) + r"(\d+)")


class DepthLimitedReader(io.RawIOBase):
    """Bounds a JSON document before the parser sees it: nesting and the length of a string.

    ijson keeps a prefix per level, so its memory grows with the square of the depth: 100,000
    nested brackets would take gigabytes; a document nested deeper than MAX_DEPTH is refused.
    ijson also builds every string whole: one 2 GB text value would take gigabytes, so a string
    longer than ``limit`` is cut (the rest is read and dropped, never held) and ends in
    ``CUT_MARK`` and a serial number; the record holding it goes to quarantine. A string is
    measured from chunk to chunk, so one that opens and closes inside a single chunk (256 KB)
    is never cut; record_check holds the record to the limit afterwards.

    Only quotes and brackets matter: escaped backslashes and quotes are removed from each chunk
    (``bytes.replace``), the rest is reduced to quotes and brackets (``bytes.translate``), both
    at C speed, and walked, with the string and escape state carried across chunks."""

    def __init__(self, raw: IO[bytes], path: Path, limit: int = MAX_RECORD_BYTES) -> None:
        self._raw = raw
        self._path = path
        self._limit = limit
        self._depth = 0
        self._in_string = False
        self._escaped = False  # the first byte of the next chunk is escaped by a backslash
        self._open_len = 0  # bytes of the string still open at the end of the last chunk
        self._opened_in: tuple[bytes, bool, bool] | None = None  # that string's first chunk
        self._cutting = False  # dropping the rest of an over-long string
        self._cut_size = 0
        self._cut_serial = 0
        self._pending = b""
        self.record_depth = 0  # the depth records open at (iter_records sets it), 0: unknown
        self._record_bytes = 0  # how much of the record open at the end of the last chunk
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            want = max(len(buffer), _MIN_CHUNK)
            data = self._raw.read(want)
            while 0 < len(data) < _MIN_CHUNK:  # a cut needs a few bytes of context
                more = self._raw.read(want)
                if not more:
                    break
                data += more
            if not data:
                if self._cutting:  # the file ends inside the cut string: the parser says so
                    _CUT_SIZES[self._cut_serial] = self._cut_size
                    self._cutting = False
                return 0
            self._pending = self._process(data)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _process(self, data: bytes) -> bytes:
        if self._cutting:
            end, escaped = _string_end(data, 0, self._escaped)
            if end < 0:
                self._cut_size += len(data)
                self._escaped = escaped
                return b""
            self._cut_size += end
            _CUT_SIZES[self._cut_serial] = self._cut_size
            self._cutting = False
            self._escaped = False
            data = data[end:]  # from the closing quote on
        start = (self._in_string, self._escaped)
        depth_before = self._depth
        moved, lowest = self._scan(data)
        self._offset += len(data)
        if self.record_depth:
            self._bound_record(len(data), depth_before, lowest)
        if not self._in_string:
            self._open_len, self._opened_in = 0, None
            return data
        if moved:  # opened in this chunk: at least this long (the last quote may be escaped)
            self._open_len = len(data) - data.rfind(b'"') - 1
            self._opened_in = (data, *start)
        else:
            if self._opened_in is not None:  # now worth measuring exactly
                self._open_len = _open_string_length(*self._opened_in)
                self._opened_in = None
            self._open_len += len(data)
        if self._open_len <= self._limit:
            return data
        return self._cut(data, start[1])

    def _cut(self, data: bytes, escaped_at_start: bool) -> bytes:
        """Keep ``data`` up to a point between escapes, add the mark, drop the rest."""
        cut = len(data)
        last = data.rfind(b"\\", max(len(data) - 6, 0))  # the longest escape is \uXXXX
        if last >= 0:
            run = len(data[: last + 1].rstrip(b"\\"))  # where its run of backslashes starts
            pairs_from = run + 1 if run == 0 and escaped_at_start else run
            if (last - pairs_from) % 2 == 0:  # it starts an escape: cut before it
                cut = last
        self._cutting = True
        self._cut_size = self._open_len
        self._cut_serial = next(_CUT_SERIAL)
        self._opened_in = None
        end, self._escaped = _string_end(data, cut, False)
        assert end < 0  # the string is open at the end of this chunk
        return data[:cut] + f"\\u0000{CUT_MARK}{self._cut_serial}".encode()

    def _bound_record(self, n: int, depth_before: int, lowest: int) -> None:
        """Refuse the file when one record (a list or object at ``record_depth``) runs over
        MAX_RECORD_SPAN: ijson would build it whole. Measured a chunk at a time."""
        if self._depth < self.record_depth:
            self._record_bytes = 0
        elif depth_before >= self.record_depth and lowest >= self.record_depth:
            self._record_bytes += n  # the same record all through this chunk
        else:
            self._record_bytes = 0  # a record opened in this chunk: count from the next one
        if self._record_bytes > MAX_RECORD_SPAN:
            raise UnreadableFileError(
                f"{self._path.name}: a record near byte {self._offset:,} is over "
                f"{MAX_RECORD_SPAN // (1024 * 1024)} MB of JSON; the file was refused"
            )

    def _scan(self, data: bytes) -> tuple[bool, int]:
        """Walk the quotes and brackets of ``data``: (did a string open or close, the lowest
        depth reached)."""
        if self._escaped and data:
            data = data[1:]  # escaped by the backslash that ended the chunk before
            self._escaped = False
        if b"\\" in data:
            data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
            if data.endswith(b"\\"):
                self._escaped = True
        marks = data.translate(None, _BRACKETS_AND_QUOTES)
        depth, in_string, moved = self._depth, self._in_string, False
        lowest = depth
        for c in marks:
            if c == 34:  # quote
                in_string = not in_string
                moved = True
            elif in_string:
                continue
            elif c == 91 or c == 123:  # [ {
                depth += 1
                if depth > MAX_DEPTH:
                    raise UnreadableFileError(
                        f"{self._path.name}: JSON nested more than {MAX_DEPTH} levels deep; "
                        "not an export this program reads"
                    )
            else:  # ] }
                depth -= 1
                if depth < lowest:
                    lowest = depth
        self._depth, self._in_string = depth, in_string
        return moved, lowest


_MIN_CHUNK = 64
# A record's JSON may run over the 1 MB record limit by a cut string (up to about 1.25 MB
# kept) and its other fields; past this many bytes the whole file is refused, because ijson
# builds a record whole and many small values take several times their size in memory.
MAX_RECORD_SPAN = 4 * MAX_RECORD_BYTES


def _string_end(data: bytes, start: int, escaped: bool) -> tuple[int, bool]:
    """Where the JSON string that ``data`` continues from ``start`` ends (the index of its
    closing quote, or -1), and whether ``data`` then ends in an unpaired backslash.
    ``escaped``: the byte at ``start`` is escaped by a backslash before it."""
    i = start + 1 if escaped else start
    if i > len(data):
        return -1, True
    while True:
        quote = data.find(b'"', i)
        if quote < 0:
            run = len(data) - len(data.rstrip(b"\\"))
            return -1, min(run, len(data) - i) % 2 == 1
        j = quote
        while j > i and data[j - 1] == 0x5C:
            j -= 1
        if (quote - j) % 2 == 0:
            return quote, False
        i = quote + 1


def _open_string_length(data: bytes, in_string: bool, escaped: bool) -> int:
    """How many bytes of ``data`` belong to the string left open at its end, walking its
    strings from the state it started in (only for a string that spans a whole chunk)."""
    i, opened = 0, -1
    while True:
        if in_string:
            end, _ = _string_end(data, i, escaped)
            escaped = False
            if end < 0:
                return len(data) - opened - 1 if opened >= 0 else len(data)
            i, in_string = end + 1, False
        else:
            quote = data.find(b'"', i)
            if quote < 0:
                return 0
            opened, i, in_string = quote, quote + 1, True


def cut_string_size(text: str) -> int | None:
    """The full size of a string cut by DepthLimitedReader inside ``text`` (0 if unknown), or
    None when ``text`` holds no cut."""
    if CUT_MARK not in text:
        return None
    match = _CUT_NUMBER.search(text)
    return _CUT_SIZES.pop(int(match.group(1)), 0) if match else 0


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
        if handle.read(len(BOM)) != BOM:  # Windows tools start UTF-8 files with a BOM
            handle.seek(0)
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
    reader = getattr(stream, "raw", None)
    if isinstance(reader, DepthLimitedReader):
        reader.record_depth = len(prefix.split(".")) + 1 if prefix else 1
    try:
        for item in ijson.items(stream, prefix, use_float=False, multiple_values=True):
            yield plain_record(item)
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
        raise damaged(path, exc) from exc


def iter_lines(path: Path, ctx: ReadContext, limit: int = MAX_RECORD_BYTES) -> Iterator[Line]:
    """Each non-blank line of a JSONL file, streamed with bounded memory (lines.iter_lines):
    a line over ``limit``, with a NUL byte or bad UTF-8 comes with its problem.

    Every line is accounted for (issue 13) in ``ctx.lines``: blank lines as continuation, each
    other line by what the importer yields from it (``ctx.tally``, settled by the pipeline)."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    account = ctx.lines = LineAccount()
    tally = ctx.tally = LineTally(account, count_total=False)
    with handle:
        for line in bounded_lines(handle, limit, account):
            ctx.report_bytes(line.end_offset)
            tally.start()
            tally.line()
            yield line


def parse_line(line: Line) -> tuple[dict[str, Any], str] | BadRecord:
    """One JSONL line as (object, text) or a BadRecord saying why it cannot be read.

    The json module parses integers exactly at any size, so numeric ids survive."""
    number = line.number
    if line.problem is not None or line.text is None:
        return BadRecord(line.problem or "unreadable line", line.raw, line_no=number)
    text = line.text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return BadRecord(
            f"not valid JSON ({exc.msg} at column {exc.colno})", line.raw, line_no=number
        )
    except RecursionError:
        return BadRecord("JSON nested too deeply", line.raw[:65536], line_no=number)
    if not isinstance(value, dict):
        return BadRecord("line is not a JSON object", line.raw, line_no=number)
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
    if head.startswith(BOM):
        head = head[len(BOM) :]
    return head.decode("utf-8", errors="ignore")
