"""Generic JSONL: one post per line in the documented schema (see ingest/generic_fields.py).

Every line is accounted for (ingest/lines.py: LineAccount): a post, or quarantined with its
reason; a blank line carries nothing and counts as a continuation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ...core.errors import UnreadableFileError
from ...core.records import BadRecord, ReadResult
from ..base import Confidence, ReadContext
from ..generic_fields import RecordProblem, record_from_fields
from ..lines import LineAccount, LineTally, iter_lines

_ORJSON_MAX_BRACKETS = 64


def _loads(text: str) -> Any:
    """orjson for speed (a third of the reading time was the stdlib parser); whatever orjson
    refuses goes to the stdlib parser, so what is accepted or quarantined, and the reason given,
    stay the stdlib's (it also reads NaN, Infinity and lone surrogates). orjson reads an integer
    beyond 64 bits as a float where the stdlib keeps every digit, so a record with a float among
    its fields is read again by the stdlib parser (an id must not be rounded); nested values
    are not read by this importer (the raw line is what is kept of them). A line with many
    brackets (deep nesting, a fuzzer's favourite) is never given to orjson: it has no depth
    limit and ran out of stack (a crash, not an error) on a memory-capped deep line, where the
    stdlib parser stops with RecursionError and the line is quarantined."""
    if text.count("[") + text.count("{") > _ORJSON_MAX_BRACKETS:
        return json.loads(text)
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    if value.__class__ is dict:
        for item in value.values():
            if item.__class__ is float:
                return json.loads(text)
    return value


class GenericJsonl:
    name = "jsonl"
    description = "Generic JSON Lines (one post per line; schema in the README)"

    def detect(self, path: Path, head: bytes) -> Confidence:
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        if not first.startswith(b"{"):
            return Confidence.NO
        try:
            value = json.loads(first)
        except (ValueError, RecursionError):
            return (
                Confidence.MAYBE if path.suffix.lower() in (".jsonl", ".ndjson") else Confidence.NO
            )
        if isinstance(value, dict) and "post_id" in value and "platform" in value:
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        account = ctx.lines = LineAccount()
        # each line is settled by what it gave (the pipeline's record check included)
        ctx.tally = LineTally(account, count_total=False)
        return self._read(path, ctx, account)

    def _read(self, path: Path, ctx: ReadContext, account: LineAccount) -> Iterator[ReadResult]:
        try:
            handle = open(path, "rb")
        except OSError as exc:
            raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror})") from exc
        with handle:
            record_no = 0
            tally = ctx.tally
            for line in iter_lines(handle, account=account):
                record_no += 1
                if tally is not None:
                    tally.start()
                    tally.line()
                ctx.report_bytes(line.end_offset)
                if line.problem or line.text is None:
                    yield BadRecord(line.problem or "unreadable", line.raw, record_no, line.number)
                    continue
                try:
                    fields = _loads(line.text)
                except json.JSONDecodeError as exc:
                    yield BadRecord(
                        f"bad JSON: {exc.msg} at column {exc.colno}",
                        line.raw,
                        record_no,
                        line.number,
                    )
                    continue
                except RecursionError:
                    yield BadRecord(
                        "JSON nested too deeply", line.raw[:65536], record_no, line.number
                    )
                    continue
                if not isinstance(fields, dict):
                    yield BadRecord("a line is not a JSON object", line.raw, record_no, line.number)
                    continue
                try:
                    yield record_from_fields(
                        fields, ctx.base_dir, line.text, ctx.export_root, ctx.media_limit
                    )
                except RecordProblem as exc:
                    yield BadRecord(str(exc), line.raw, record_no, line.number)


IMPORTER = GenericJsonl()
