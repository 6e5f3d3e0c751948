"""CSV cells that cannot run in a spreadsheet: the one writer every CSV of the program uses.

OWASP's rule for CSV (formula) injection: a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is read as a formula by Excel, LibreOffice and Google Sheets, so it
gets a leading ``'`` and is shown as text. It applies to every text cell — post text, handles,
names, but also ids, URLs, tags and file names, since all of them come from an export file that
an attacker may have written. Cells whose first character after leading blanks or line breaks is
a trigger are treated the same (some spreadsheets skip leading white space).

Only real numbers (Python ``int``/``float``, which the program computes itself) are written
unchanged: ``-3`` or ``-0.25`` is read as a number and cannot hold a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Full-width forms some spreadsheet locales also read as operators.
_WIDE_TRIGGERS = ("\uff1d", "\uff0b", "\uff0d", "\uff20")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def inert(value: Any) -> Any:
    """``value`` made safe for a CSV cell: numbers as they are, anything else as inert text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    head = text.lstrip(" \n\r\t\x0b\x0c")
    first = text[:1]
    if first in TRIGGERS or head[:1] in TRIGGERS or head[:1] in _WIDE_TRIGGERS:
        return "'" + text
    return text


def is_inert(cell: str) -> bool:
    """Whether a cell read back from a CSV is safe: text not starting with a trigger, or a
    plain number (for tests and for checking a file)."""
    head = cell.lstrip(" \n\r\t\x0b\x0c")
    if cell[:1] not in TRIGGERS and head[:1] not in TRIGGERS + _WIDE_TRIGGERS:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return cell == cell.strip() and not cell.startswith("+")


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`inert`."""

    def __init__(self, out: _Writable, **fmt: Any) -> None:
        self._writer = csv.writer(out, **fmt)  # type: ignore[arg-type]

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([inert(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
