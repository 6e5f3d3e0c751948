"""Reading WhatsApp's chat-export line headers: dates, times, senders, in any phone locale.

A WhatsApp export has no fixed date format: it follows the phone's locale (day or month first,
dots or slashes, 12- or 24-hour clock, Arabic-Indic digits, Buddhist-calendar years) and
sprinkles direction marks around dates and names. Python's ``\\d`` matches every Unicode digit,
so the patterns run on the original line and only the header is normalised: the message body is
never altered.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..textfix import ascii_digits

_MARKS = "[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]*"
_SPACE = "[ \u00a0\u202f]"
_DATE = (
    rf"(?P<d1>\d{{1,4}}){_MARKS}(?P<sep>[./\-]){_MARKS}(?P<d2>\d{{1,2}}){_MARKS}[./\-]{_MARKS}"
    r"(?P<d3>\d{1,4})\.?"
)
_TIME = (
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    rf"(?:{_SPACE}*(?P<ampm>[AaPp]\.?{_SPACE}?[Mm]\.?|ص|م|午前|午後))?"
)
_IOS = re.compile(
    rf"^{_MARKS}\[{_MARKS}{_DATE}[,،]?{_SPACE}*{_MARKS}{_TIME}{_MARKS}\]{_SPACE}(?P<rest>.*)$", re.S
)
_ANDROID = re.compile(
    rf"^{_MARKS}{_DATE}[,،]?{_SPACE}*{_MARKS}{_TIME}{_MARKS}{_SPACE}[-\u2013]{_SPACE}(?P<rest>.*)$",
    re.S,
)
_PM = {"p", "م", "午後"}


@dataclass(slots=True)
class Header:
    """The start of a message line: its raw date parts, time, and what follows."""

    d1: int
    d2: int
    d3: int
    ymd: bool  # the year comes first (2022-03-18)
    hour: int
    minute: int
    second: int
    rest: str  # "Name: text" or a system line, exactly as written
    ios: bool


def match_header(line: str) -> Header | None:
    """The header of a message line, or None for a continuation line."""
    match = _IOS.match(line)
    ios = match is not None
    if match is None:
        match = _ANDROID.match(line)
    if match is None:
        return None
    g = match.groupdict()
    d1, d2, d3 = (int(ascii_digits(g[k])) for k in ("d1", "d2", "d3"))
    hour, minute = int(ascii_digits(g["h"])), int(ascii_digits(g["mi"]))
    second = int(ascii_digits(g["s"])) if g["s"] else 0
    ampm = g["ampm"]
    if ampm:
        if hour < 1 or hour > 12:
            return None
        pm = ampm[0].lower() in _PM or ampm in _PM
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    ymd = len(g["d1"]) == 4
    return Header(d1, d2, d3, ymd, hour, minute, second, g["rest"], ios)


def full_year(year: int, today: dt.date) -> int:
    """Two-digit years are 20xx; Buddhist-calendar years (Thai phones: 2565) lose 543.

    A two-digit year that would lie in the future is read as a short Buddhist year (65 for
    2565, i.e. 2022)."""
    if year >= 2400:
        return year - 543
    if year < 100:
        gregorian = 2000 + year
        if gregorian > today.year + 1:
            return 2500 + year - 543
        return gregorian
    return year


def header_datetime(header: Header, day_first: bool, today: dt.date) -> dt.datetime:
    """The naive datetime of a header under the given day/month order (ValueError if none)."""
    if header.ymd:
        year, month, day = header.d1, header.d2, header.d3
    elif day_first:
        day, month, year = header.d1, header.d2, header.d3
    else:
        month, day, year = header.d1, header.d2, header.d3
    return dt.datetime(
        full_year(year, today), month, day, header.hour, header.minute, header.second
    )


class DateOrder:
    """Infers day/month order from every header in the file (one pass, constant memory).

    A first field above 12 proves day-first and a second field above 12 proves month-first.
    When no date proves either, the order under which the chat runs forwards in time wins
    (exports are chronological). A remaining tie is read day-first, the habit of most locales
    outside the United States, and the caller notes the guess."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.first_over_12 = False
        self.second_over_12 = False
        self.backwards = {True: 0, False: 0}
        self._previous: dict[bool, dt.datetime | None] = {True: None, False: None}

    def add(self, header: Header) -> None:
        if header.ymd:
            return
        self.first_over_12 |= header.d1 > 12
        self.second_over_12 |= header.d2 > 12
        for day_first in (True, False):
            try:
                when = header_datetime(header, day_first, self.today)
            except ValueError:
                self.backwards[day_first] += 1_000_000  # an impossible date rules an order out
                continue
            previous = self._previous[day_first]
            if previous is not None and when < previous:
                self.backwards[day_first] += 1
            self._previous[day_first] = when

    def day_first(self) -> tuple[bool, bool]:
        """(day_first, certain). Raises ValueError when the file contradicts itself."""
        if self.first_over_12 and self.second_over_12:
            raise ValueError("dates put the day both first and second; the file mixes formats")
        if self.first_over_12:
            return True, True
        if self.second_over_12:
            return False, True
        if self.backwards[True] != self.backwards[False]:
            return self.backwards[True] < self.backwards[False], True
        return True, False
