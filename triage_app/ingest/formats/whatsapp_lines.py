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
from collections.abc import Iterable
from dataclasses import dataclass

from ..textfix import ascii_digits
from .whatsapp_words import DAY_PERIODS_AFTER, DAY_PERIODS_BEFORE

_MARKS = "[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]*"
_SPACE = "[ \u00a0\u202f]"
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "r": 2018, "h": 1988, "s": 1925}
_ERA = r"(?:令和|平成|昭和|[RHS](?=\d))"


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, spaces matching any space."""
    parts = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace("\\ ", _SPACE) for w in parts)


_AFTER = _alternatives(DAY_PERIODS_AFTER)
_BEFORE = _alternatives(DAY_PERIODS_BEFORE)


def _date(n: str = "") -> str:
    """A date: 18/03/2022, 3/18/22, 18.03.22, 2022-03-18, 13. 6. 2018., 3/18/2565 BE, R4/03/18."""
    sep = rf"{_MARKS}[./\-]{_SPACE}?{_MARKS}"
    return (
        rf"(?P<era{n}>{_ERA})?(?P<d1{n}>\d{{1,4}}){sep}(?P<d2{n}>\d{{1,2}}){sep}"
        rf"(?P<d3{n}>\d{{1,4}})\.?(?:{_SPACE}?(?P<cal{n}>BE|พ\.ศ\.|[RHS]\b))?"
    )


def _time(n: str = "") -> str:
    """A time: 14:56, 14:56:01, 21.25.15, 2:56 PM, 0:24 p. m., 午後2:56, 9:15 in the morning."""
    return (
        rf"(?:(?P<pre{n}>{_BEFORE}){_SPACE}?)?"
        rf"(?P<h{n}>\d{{1,2}})[:.](?P<mi{n}>\d{{2}})(?:[:.](?P<s{n}>\d{{2}}))?"
        rf"(?:{_SPACE}*(?P<ampm{n}>{_AFTER}))?"
    )


# between the date and the time: ", " (Android, iOS), " klo " (Finnish), " um " / " à " / " a las "
_JOIN = rf"[,،]?{_SPACE}*(?:(?:klo|kl\.|um|à|a las|alle|às|в){_SPACE})?{_MARKS}"
_DATE_TIME = rf"{_MARKS}{_date()}{_JOIN}{_time()}{_MARKS}"
_IOS = re.compile(rf"^{_MARKS}\[{_DATE_TIME}\]{_SPACE}(?P<rest>.*)$", re.S | re.I)
# iOS in some locales writes the time first: "[14:56:01, 3/18/22] Name: text"
_IOS_TIME_FIRST = re.compile(
    rf"^{_MARKS}\[{_MARKS}{_time()}{_MARKS}[,،]?{_SPACE}*{_MARKS}{_date()}{_MARKS}\]"
    rf"{_SPACE}(?P<rest>.*)$",
    re.S | re.I,
)
_ANDROID = re.compile(rf"^{_DATE_TIME}{_SPACE}[-\u2013]{_SPACE}(?P<rest>.*)$", re.S | re.I)
# iOS before 2017 wrote no brackets and a colon after the time: "13.06.18 21.25.15: Name: text"
_OLD_IOS = re.compile(rf"^{_DATE_TIME}:{_SPACE}(?P<rest>.*)$", re.S | re.I)
# What a header starts with (a date and a time, in brackets or not): a line like this that
# match_header cannot read is quarantined, never glued onto the message before it.
_HEADER_LIKE = re.compile(
    rf"^{_MARKS}\[?{_MARKS}(?:{_ERA})?\d{{1,4}}{_MARKS}[./\-]{_SPACE}?{_MARKS}\d{{1,2}}{_MARKS}"
    rf"[./\-]{_SPACE}?{_MARKS}\d{{1,4}}\.?[^\n]{{0,24}}?\d{{1,2}}[:.]\d{{2}}[^\n]{{0,30}}?"
    rf"(?:\]|{_SPACE}[-\u2013]{_SPACE}|:{_SPACE})"
    rf"|^{_MARKS}\[{_MARKS}\d{{1,2}}[:.]\d{{2}}[^\]\n]{{0,40}}\]",
    re.I,
)


@dataclass(slots=True)
class Header:
    """The start of a message line: its raw date parts, time, and what follows."""

    d1: int
    d2: int
    d3: int
    ymd: bool  # the year comes first (2022-03-18, R4/03/18)
    hour: int
    minute: int
    second: int
    rest: str  # "Name: text" or a system line, exactly as written
    ios: bool
    era: int | None = None  # the year before year 1 of a Japanese era (Reiwa: 2018)
    buddhist: bool = False  # marked "BE" / "พ.ศ.": the year is a Buddhist-calendar year
    # which of the line forms: android, ios, ios-time-first, old-ios. A file is written in one
    # form; a line of another form inside it is text someone wrote (whatsapp.py)
    style: str = "android"


def looks_like_header(line: str) -> bool:
    """True when ``line`` starts like a message header (a date and a time)."""
    return _HEADER_LIKE.match(line) is not None


def _hour24(hour: int, period: str | None) -> int | None:
    """The 24-hour hour of ``hour`` in a 12-hour clock's ``period``; None if impossible.

    Hour 0 is written by real phones in 12-hour clocks ("00:04 AM", "0:24 PM")."""
    if period is None:
        return hour if hour <= 23 else None
    if hour > 12:
        return None
    if period == "am":
        return hour % 12
    if period == "pm":
        return hour % 12 + 12
    if period == "noon":
        return 12 if hour in (0, 12) else hour % 12 + 12
    # "at night": 9 to 11 in the evening, 12 to 5 in the small hours
    return hour % 12 if hour < 6 or hour == 12 else hour + 12


def _period(word: str | None, table: dict[str, str]) -> str | None:
    if not word:
        return None
    key = " ".join(word.replace("\u00a0", " ").replace("\u202f", " ").split()).lower()
    found = table.get(key) or table.get(key.replace(" ", ""))
    return found or ("pm" if key.startswith("p") else "am")


def match_header(line: str) -> Header | None:
    """The header of a message line, or None for a continuation line."""
    match = _IOS.match(line) or _IOS_TIME_FIRST.match(line)
    ios = match is not None
    style = "ios" if match is None or match.re is _IOS else "ios-time-first"
    if match is None:
        match = _ANDROID.match(line) or _OLD_IOS.match(line)
        # an old iOS export (colon after the time) is attributed like iOS
        ios = match is not None and match.re is _OLD_IOS
        style = "old-ios" if ios else "android"
    if match is None:
        return None
    g = match.groupdict()
    d1, d2, d3 = (int(ascii_digits(g[k])) for k in ("d1", "d2", "d3"))
    hour, minute = int(ascii_digits(g["h"])), int(ascii_digits(g["mi"]))
    second = int(ascii_digits(g["s"])) if g["s"] else 0
    before = _period(g["pre"], DAY_PERIODS_BEFORE)
    after = _period(g["ampm"], DAY_PERIODS_AFTER)
    if before and after and before != after:
        return None
    hour24 = _hour24(hour, before or after)
    if hour24 is None or minute > 59 or second > 59:
        return None
    era_word, cal = g["era"], g["cal"]
    era = None
    if era_word or (cal and cal.lower() in ("r", "h", "s")):
        era = _ERAS[(era_word or cal).lower()]
    buddhist = bool(cal) and cal.lower() not in ("r", "h", "s")
    ymd = len(g["d1"]) == 4 or bool(era_word)
    return Header(d1, d2, d3, ymd, hour24, minute, second, g["rest"], ios, era, buddhist, style)


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


FIRST_YEAR = 2009  # WhatsApp's first year: an earlier date is misread, never stored


def header_datetime(header: Header, day_first: bool, today: dt.date) -> dt.datetime:
    """The naive datetime of a header under the given day/month order (ValueError if none)."""
    if header.ymd:
        year, month, day = header.d1, header.d2, header.d3
    elif day_first:
        day, month, year = header.d1, header.d2, header.d3
    else:
        month, day, year = header.d1, header.d2, header.d3
    if header.era is not None:
        year = header.era + year  # Japanese era year: Reiwa 4 is 2022
    elif header.buddhist:
        year = year - 543 if year >= 100 else 2500 + year - 543
    elif JALALI_YEARS[0] <= year <= JALALI_YEARS[1]:
        year, month, day = jalali_to_gregorian(year, month, day)
    elif HIJRI_YEARS[0] <= year <= HIJRI_YEARS[1]:
        raise YearError(
            f"year {year} is a Hijri (Islamic calendar) year; not converted (set the phone's "
            "calendar to Gregorian and export again)"
        )
    else:
        year = full_year(year, today)
    if year < FIRST_YEAR or year > today.year + 1:
        raise YearError(f"year {year} is outside the years WhatsApp has existed")
    return dt.datetime(year, month, day, header.hour, header.minute, header.second)


class YearError(ValueError):
    """A year that is no year of a WhatsApp chat in any calendar this reader knows."""


# Persian (Solar Hijri) years of WhatsApp's lifetime (1387 = 2008/09) and Hijri (lunar) ones
# (1429 = 2008): the two ranges do not overlap, so a year says which calendar it is in.
JALALI_YEARS = (1387, 1420)
HIJRI_YEARS = (1421, 1500)


def jalali_to_gregorian(jy: int, jm: int, jd: int) -> tuple[int, int, int]:
    """The Gregorian (year, month, day) of a Persian calendar date (1401/01/01 -> 2022-03-21).
    ValueError for a day the Persian calendar does not have."""
    if not (1 <= jm <= 12 and 1 <= jd <= (31 if jm <= 6 else 30)):
        raise ValueError(f"{jy}/{jm}/{jd} is not a Persian calendar date")
    jy += 1595
    days = -355668 + 365 * jy + (jy // 33) * 8 + ((jy % 33) + 3) // 4 + jd
    days += (jm - 1) * 31 if jm < 7 else (jm - 7) * 30 + 186
    gy = 400 * (days // 146097)
    days %= 146097
    if days > 36524:
        days -= 1
        gy += 100 * (days // 36524)
        days %= 36524
        if days >= 365:
            days += 1
    gy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        gy += (days - 1) // 365
        days = (days - 1) % 365
    gd = days + 1
    leap = gy % 4 == 0 and (gy % 100 != 0 or gy % 400 == 0)
    for gm, length in enumerate((31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)):
        if gd <= length:
            return gy, gm + 1, gd
        gd -= length
    raise ValueError(f"{jy - 1595}/{jm}/{jd} is not a Persian calendar date")


DATE_ORDER_HELP = "give --date-order dmy (day first) or --date-order mdy (month first)"


class DateOrder:
    """Decides the day/month order from every header in the file (one pass, constant memory).

    A first field above 12 proves day-first and a second field above 12 proves month-first.
    When no date proves either, the order under which the chat runs forwards in time wins
    (exports are chronological). When that cannot tell either, nothing is guessed: the reader
    refuses the file and asks for ``--date-order dmy|mdy``."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.first_over_12 = False
        self.second_over_12 = False
        self.dates = 0
        self.backwards = {True: 0, False: 0}
        self._previous: dict[bool, dt.datetime | None] = {True: None, False: None}

    def add(self, header: Header) -> None:
        if header.ymd:
            return
        self.dates += 1
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

    def decide(self, forced: str | None = None) -> tuple[bool, str | None]:
        """(day_first, a note for the summary or None). ValueError, with a message naming
        ``--date-order``, when the file contradicts itself or cannot tell."""
        if forced is not None:
            first = "day" if forced == "dmy" else "month"
            return forced == "dmy", f"dates read {first} first as asked (--date-order {forced})"
        if self.dates == 0:
            return True, None
        if self.first_over_12 and self.second_over_12:
            raise ValueError(
                "dates put the day both first and second, so the file mixes formats; "
                f"{DATE_ORDER_HELP} to read it one way (the dates that do not fit are quarantined)"
            )
        if self.first_over_12:
            return True, None
        if self.second_over_12:
            return False, None
        if self.backwards[True] != self.backwards[False]:
            day_first = self.backwards[True] < self.backwards[False]
            return day_first, (
                "no day is above 12; dates read "
                f"{'day' if day_first else 'month'} first, the only order that keeps the "
                "messages in time order"
            )
        raise ValueError(
            "no date shows whether the day or the month comes first (every day is 12 or "
            f"less and both orders keep the messages in time order); {DATE_ORDER_HELP}"
        )

    def day_first(self) -> tuple[bool, bool]:
        """(day_first, certain), for callers of the older interface."""
        try:
            day_first, note = self.decide()
        except ValueError:
            if self.first_over_12 and self.second_over_12:
                raise
            return True, False
        return day_first, note is None
