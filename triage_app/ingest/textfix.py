"""Repairs that exports need before their text can be trusted: mojibake, HTML, odd time stamps.

Each helper does one small, well-defined repair and never loses the original: when a repair
does not apply cleanly the input comes back unchanged.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from decimal import Decimal
from html.parser import HTMLParser

from ..core.timeutil import parse_iso_to_unix

# --- mojibake --------------------------------------------------------------------------------


def fix_mojibake(text: str) -> str:
    """Undo Facebook's "every UTF-8 byte written as \\u00XX" encoding.

    Facebook's "Download your information" JSON escapes each byte of a UTF-8 string as its own
    code point, so "é" arrives as "Ã©". Re-encoding as Latin-1 gives the bytes back; when that
    fails (a real code point above U+00FF, or bytes that are not UTF-8) the text was not
    mangled and is returned as it was.
    """
    if not text or text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def fix_mojibake_deep(value: object) -> object:
    """``fix_mojibake`` applied to every string (keys too) inside a parsed JSON value."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [fix_mojibake_deep(v) for v in value]
    if isinstance(value, dict):
        return {fix_mojibake(str(k)): fix_mojibake_deep(v) for k, v in value.items()}
    return value


# --- HTML ------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment; <br> and block ends become newlines."""

    _BREAKS = {"br", "p", "div", "li"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS - {"br"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The plain text of an HTML fragment such as YouTube's ``textDisplay``."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts).rstrip("\n")


def unescape_entities(text: str) -> str:
    """Decode HTML entities (X escapes &, < and > in tweet text)."""
    return html.unescape(text) if "&" in text else text


# --- digits and marks -------------------------------------------------------------------------

BIDI_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_BIDI_TABLE = {ord(c): None for c in BIDI_MARKS}


def strip_bidi_marks(text: str) -> str:
    """Remove direction marks and embeddings that apps put around dates, names and numbers."""
    return text.translate(_BIDI_TABLE)


def ascii_digits(text: str) -> str:
    """Turn any Unicode decimal digits (Arabic-Indic, Persian, Devanagari …) into 0-9."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isdigit() and not ch.isascii():
            try:
                out.append(str(unicodedata.decimal(ch)))
                continue
            except ValueError:
                pass
        out.append(ch)
    return "".join(out)


# --- numbers ---------------------------------------------------------------------------------


def parse_count(value: object) -> int | None:
    """A count written as a number, a string ("7920") or with thousands commas ("12,345")."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        return int(value)
    text = str(value).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return int(Decimal(text))
        except ArithmeticError:
            return None


def id_text(value: object) -> str | None:
    """An id as an exact string. Floats are refused: they have already lost digits."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        raise ValueError("id was parsed as a floating-point number and may have lost digits")
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"id {value} is not a whole number")
        return str(int(value))
    text = str(value).strip()
    return text or None


# --- times -----------------------------------------------------------------------------------

MILLISECONDS_THRESHOLD = 100_000_000_000  # 1e11 s is the year 5138; 1e11 ms is 1973


def unix_seconds(value: object) -> int | None:
    """Unix time given in seconds or milliseconds (as number or digit string), as seconds."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    number = Decimal(str(value))
    if abs(number) >= MILLISECONDS_THRESHOLD:
        number = number / 1000
    return int(number)


def parse_twitter_date(text: str) -> int:
    """X API v1.1 ``created_at``: "Tue Jul 18 23:25:04 +0000 2017"."""
    value = dt.datetime.strptime(text.strip(), "%a %b %d %H:%M:%S %z %Y")
    return int(value.timestamp())


def parse_iso(text: str) -> int:
    """ISO-8601 to unix seconds; naive means UTC. Also accepts "+0000" and " -0500" offsets."""
    s = text.strip()
    match = re.search(r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)? ?([+-])(\d{2}):?(\d{2})$", s)
    if match:
        sign, hours, minutes = match.group(3), match.group(4), match.group(5)
        s = s[: match.start(3)].rstrip() + f"{sign}{hours}:{minutes}"
    return parse_iso_to_unix(s)


def parse_zoned_datetime(text: str, timezone: str | None = None) -> int:
    """ "2023-11-05 22:56:36 EST" (a zone abbreviation, a tz database name or ±HH:MM at the
    end) to unix seconds, the zone read with the tz database (ingest/zones.py).

    An unknown zone raises ``zones.UnknownZone`` and an ambiguous abbreviation (IST, CST …)
    ``zones.AmbiguousZone`` (both ValueErrors) unless ``timezone`` (--timezone) settles it:
    never a guess."""
    from .zones import UnknownZone, localise

    s = text.strip()
    match = re.fullmatch(r"(.+?)\s+([A-Za-z][A-Za-z_/+\-0-9]*)", s)
    if match and not re.fullmatch(r"[+-]?\d.*", match.group(2)):
        local = dt.datetime.fromisoformat(match.group(1).strip())
        if local.tzinfo is not None:
            raise UnknownZone(f"two time zones in {text!r}")
        return int(localise(local, match.group(2), timezone).timestamp())
    return parse_iso(s)


def utc_naive_to_unix(value: dt.datetime) -> int:
    """A naive datetime read as UTC."""
    return int(value.replace(tzinfo=dt.UTC).timestamp())
