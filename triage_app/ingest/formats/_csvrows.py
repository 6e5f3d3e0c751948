"""CSV rows streamed with the exact text of each record kept for provenance."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import UnreadableFileError
from ..base import ReadContext

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long posts; the default 128 KiB is too small


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


def iter_csv(path: Path, ctx: ReadContext) -> Iterator[CsvRow]:
    """Each data row as a dict keyed by header, with its raw text; UTF-8 (BOM allowed) only."""
    captured: list[str] = []
    done = 0

    def lines(handle: object) -> Iterator[str]:
        nonlocal done
        for line in handle:  # type: ignore[attr-defined]
            captured.append(line)
            done += len(line.encode("utf-8"))
            ctx.report_bytes(done)
            yield line

    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(lines(handle))
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise UnreadableFileError(f"{path.name}: the CSV file has no header line")
            line_no, record_no = reader.line_num + 1, 0
            captured.clear()
            for fields in reader:
                raw = "".join(captured)
                captured.clear()
                start, line_no = line_no, reader.line_num + 1
                if not any(f.strip() for f in fields):
                    continue
                record_no += 1
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
