"""Generic CSV: a header row with the documented column names, one post per row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from ...core.errors import UnreadableFileError
from ...core.records import BadRecord, ReadResult
from ..base import Confidence, ReadContext
from ..generic_fields import RecordProblem, record_from_fields
from ._csvrows import CsvSource, RecordTooLong

_BAD_BYTES = re.compile("[\udc80-\udcff]")
REQUIRED = {"platform", "post_id"}


class GenericCsv:
    name = "csv"
    description = "Generic CSV (header row with the schema's column names)"

    def detect(self, path: Path, head: bytes) -> Confidence:
        first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
        try:
            header = next(csv.reader([first]))
        except (csv.Error, StopIteration):
            return Confidence.NO
        names = {h.strip().lower() for h in header}
        if names >= REQUIRED and "created_at" in names:
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        try:
            raw_handle = open(path, "rb")
        except OSError as exc:
            raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror})") from exc
        with raw_handle:
            # Bounded: no record over MAX_RECORD_BYTES is held (see _csvrows.CsvSource).
            source = CsvSource(raw_handle, ctx, errors="surrogateescape")
            reader = csv.reader(source)
            try:
                header = [h.strip().lower() for h in next(reader)]
                source.header_read()
            except (StopIteration, csv.Error, RecordTooLong) as exc:
                raise UnreadableFileError(f"{path}: no readable CSV header") from exc
            record_no = 0
            while True:
                record_no += 1
                source.start_record()
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except RecordTooLong as exc:
                    yield BadRecord(exc.reason, exc.head, record_no, exc.line_no)
                    continue
                except csv.Error as exc:
                    raw = "".join(source.captured).encode("utf-8", "surrogateescape")
                    yield BadRecord(f"bad CSV: {exc}", raw, record_no, reader.line_num)
                    continue
                if not any(field.strip() for field in row):
                    record_no -= 1
                    continue  # a blank line or a row of empty fields: carries nothing
                raw_line = _join(row)
                if _BAD_BYTES.search(raw_line):
                    yield BadRecord(
                        "invalid UTF-8",
                        raw_line.encode("utf-8", "surrogateescape"),
                        record_no,
                        reader.line_num,
                    )
                    continue
                if "\x00" in raw_line:
                    yield BadRecord(
                        "record contains NUL bytes", raw_line.encode(), record_no, reader.line_num
                    )
                    continue
                if len(row) != len(header):
                    yield BadRecord(
                        f"row has {len(row)} fields, the header {len(header)}",
                        raw_line.encode(),
                        record_no,
                        reader.line_num,
                    )
                    continue
                fields = dict(zip(header, row, strict=True))
                try:
                    yield record_from_fields(
                        fields, ctx.base_dir, raw_line, ctx.export_root, ctx.media_limit
                    )
                except RecordProblem as exc:
                    yield BadRecord(str(exc), raw_line.encode(), record_no, reader.line_num)


def _join(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(row)
    return out.getvalue().rstrip("\r\n")


IMPORTER = GenericCsv()
