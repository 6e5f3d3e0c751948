"""Generic JSONL: one post per line in the documented schema (see ingest/generic_fields.py).

Every line is accounted for (ingest/lines.py: LineAccount): a post, or quarantined with its
reason; a blank line carries nothing and counts as a continuation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ...core.errors import UnreadableFileError
from ...core.records import BadRecord, ReadResult
from ..base import Confidence, ReadContext
from ..generic_fields import RecordProblem, record_from_fields
from ..lines import LineAccount, LineTally, iter_lines


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
                    fields = json.loads(line.text)
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
