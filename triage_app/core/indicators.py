"""Indicators pulled out of a post's text: phone numbers, messaging links, URLs, handles,
e-mails, prices and lexicon words.

They are what ties accounts together (the same phone number or WhatsApp link across platforms)
and what the preview highlights. Extraction runs at import over every post, so it is built for
speed: a few compiled regular expressions scan the text, and the `phonenumbers` library is
called only on candidate digit runs, never over the whole text.

Kinds and the form of ``value`` (the normalised form, what pivots compare):

=========== ====================================================================================
phone       E.164, e.g. ``+447911123456``
messaging   ``service:id``: ``whatsapp:+4479…``, ``whatsapp-group:<invite>``,
            ``telegram:@name``, ``telegram-invite:<code>``, ``signal:+44…``, ``signal-link:…``,
            ``signal-group:<id>``, ``viber:+44…``, ``viber-group:<id>``, ``imo:<id>``,
            ``snapchat:@name``, ``messenger:<name>``
url         the URL with a lower-case scheme and host, trailing punctuation removed
handle      ``@name`` in lower case (a t.me/name link also gives the handle ``@name``)
email       lower case
price       ``<amount> <CURRENCY>``, e.g. ``3500 EUR``, ``1500000 TOMAN``
lexicon     the concept of resources/lexicon/*.toml, e.g. ``boat``, ``documents``
=========== ====================================================================================

Spans (``start``/``end``, Python string offsets into the text) may overlap: a wa.me link gives
a messaging indicator and a phone indicator over the same characters.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers

from .errors import TriageError
from .resources import resources_dir

KINDS = ("phone", "messaging", "url", "handle", "email", "price", "lexicon")
# Kinds that identify a person or an account: the "same phone / link / handle" pivot uses these.
PIVOT_KINDS = ("phone", "messaging", "handle", "email")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One thing found in a text: ``raw`` is ``text[start:end]``, ``value`` its normal form."""

    kind: str
    value: str
    raw: str
    start: int
    end: int


# -- digits -----------------------------------------------------------------------------------


def _digit_table() -> dict[int, str]:
    """Every Unicode decimal digit in the BMP mapped to its ASCII digit (Arabic-Indic, Persian…)."""
    table: dict[int, str] = {}
    for code in range(0x80, 0x10000):
        char = chr(code)
        if unicodedata.category(char) == "Nd":
            table[code] = str(unicodedata.digit(char))
    return table


_DIGITS = _digit_table()
# Most texts hold no digit of another script: they are returned as they are, without the
# character-by-character translation.
_OTHER_DIGIT = re.compile("[" + "".join(chr(code) for code in sorted(_DIGITS)) + "]")


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit (any script) replaced by its ASCII digit."""
    if text.isascii() or _OTHER_DIGIT.search(text) is None:
        return text
    return text.translate(_DIGITS)


# -- settings and lexicon ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Settings:
    """resources/lexicon/_settings.toml: phone regions, currency words, multipliers."""

    regions: tuple[str, ...]
    by_language: dict[str, tuple[str, ...]]  # language -> regions tried first
    currencies: dict[str, str]  # word or symbol (lower case) -> currency value
    multipliers: dict[str, int]  # word (lower case) -> factor


@dataclass(frozen=True, eq=False)
class Lexicon:
    """All lexicon files compiled into one pattern; ``concepts`` maps a term to its concepts."""

    pattern: re.Pattern[str] | None
    concepts: dict[str, tuple[str, ...]]
    languages: tuple[str, ...]


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TriageError(f"Lexicon file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TriageError(f"Lexicon file {path} is not valid TOML: {exc}") from exc


def _string_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TriageError(f"{where} must be a list of strings")
    return [v for v in value if v.strip()]


def _lexicon_folder() -> Path:
    # Resolving resources/ touches the file system: do it once per TRIAGE_RESOURCES value,
    # not once per post.
    return _lexicon_folder_for(os.environ.get("TRIAGE_RESOURCES"))


@lru_cache(maxsize=8)
def _lexicon_folder_for(_override: str | None) -> Path:
    return resources_dir() / "lexicon"


def load_settings(folder: Path | None = None) -> Settings:
    """Read the extraction settings (cached per folder; pass another folder in tests)."""
    return _load_settings(folder or _lexicon_folder())


@lru_cache(maxsize=8)
def _load_settings(folder: Path) -> Settings:
    path = folder / "_settings.toml"
    data = _read_toml(path) if path.exists() else {}
    phones = data.get("phones", {})
    regions = (
        _string_list(phones.get("regions", []), f"{path}: phones.regions")
        if isinstance(phones, dict)
        else []
    )
    by_language: dict[str, tuple[str, ...]] = {}
    if isinstance(phones, dict):
        for language, codes in dict(phones.get("by_language", {})).items():
            where = f"{path}: phones.by_language.{language}"
            by_language[str(language)] = tuple(c.upper() for c in _string_list(codes, where))
    for region in [*regions, *(r for codes in by_language.values() for r in codes)]:
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise TriageError(f"{path}: '{region}' is not a known phone region code")
    currencies: dict[str, str] = {}
    for code, words in dict(data.get("currencies", {})).items():  # type: ignore[call-overload]
        for word in _string_list(words, f"{path}: currencies.{code}"):
            currencies[_norm_term(word)] = str(code)
    multipliers: dict[str, int] = {}
    for factor, words in dict(data.get("multipliers", {})).items():  # type: ignore[call-overload]
        if not str(factor).isdigit():
            raise TriageError(f"{path}: multiplier '{factor}' is not a whole number")
        for word in _string_list(words, f"{path}: multipliers.{factor}"):
            multipliers[_norm_term(word)] = int(factor)
    return Settings(tuple(r.upper() for r in regions), by_language, currencies, multipliers)


def regions_for(language: str | None, settings: Settings | None = None) -> tuple[str, ...]:
    """The regions to try for a post in ``language``: that language's first, then the rest."""
    return _regions_for(language, settings or load_settings())


@lru_cache(maxsize=256)
def _regions_for(language: str | None, settings: Settings) -> tuple[str, ...]:
    first = settings.by_language.get(language or "", ())
    return first + tuple(r for r in settings.regions if r not in first)


def _norm_term(term: str) -> str:
    return " ".join(term.lower().split())


def _trie_pattern(terms: Iterable[str]) -> str:
    """One regex alternation for many words, shaped as a trie so matching stays fast."""
    trie: dict[str, dict] = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = []
        for char in sorted(k for k in node if k):
            piece = r"\s+" if char == " " else re.escape(char)
            branches.append(piece + emit(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(trie)


def load_lexicon(folder: Path | None = None) -> Lexicon:
    """Read every ``<language>.toml`` in resources/lexicon into one compiled pattern (cached
    per folder).

    A term ending in ``*`` matches any longer word starting with it; a file's ``prefixes``
    (e.g. Arabic و ب ال) may be glued to the start of its terms."""
    return _load_lexicon(folder or _lexicon_folder())


@lru_cache(maxsize=8)
def _load_lexicon(folder: Path) -> Lexicon:
    if not folder.is_dir():
        raise TriageError(f"Lexicon folder not found: {folder}")
    exact: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    prefixes: set[str] = set()
    languages: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        data = _read_toml(path)
        languages.append(str(data.get("language", path.stem)))
        prefixes.update(
            _norm_term(p) for p in _string_list(data.get("prefixes", []), f"{path}: prefixes")
        )
        concepts = data.get("concepts", {})
        if not isinstance(concepts, dict):
            raise TriageError(f"{path}: [concepts] must be a table of word lists")
        for concept, words in concepts.items():
            for word in _string_list(words, f"{path}: concepts.{concept}"):
                term = _norm_term(word)
                target = stems if term.endswith("*") else exact
                term = term.rstrip("*").strip()
                if term:
                    target.setdefault(term, set()).add(str(concept))
    mapping = {t: tuple(sorted(c)) for t, c in exact.items()}
    stem_map = {t: tuple(sorted(c)) for t, c in stems.items()}
    if not mapping and not stem_map:
        return Lexicon(None, {}, tuple(languages))
    prefix = f"(?:{_trie_pattern(prefixes)})?" if prefixes else ""
    alternatives = []
    if mapping:
        alternatives.append(f"{prefix}(?P<exact>{_trie_pattern(mapping)})")
    if stem_map:
        alternatives.append(rf"{prefix}(?P<stem>{_trie_pattern(stem_map)})\w*")
    # Prefer the exact word; the stem branch catches inflected forms.
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    merged = dict(stem_map)
    for term, concepts in mapping.items():
        merged[term] = tuple(sorted(set(concepts) | set(merged.get(term, ()))))
    return Lexicon(
        pattern, {**merged, **{f"*{t}": c for t, c in stem_map.items()}}, tuple(languages)
    )


# -- patterns ---------------------------------------------------------------------------------

_URL_TAIL = r"[^\s<>\"'«»“”]*"
# Starts at the host so the scan has a literal to look for; a scheme before it is added back.
_MESSAGING = re.compile(
    r"(?<!\w)(?:"
    r"(?:wa\.me|(?:api\.|web\.)?whatsapp\.com/send/?\?(?:[^\s]*?&)?phone=)/?(?P<wa>%2B|\+)?(?P<wa_n>\d{6,16})"
    r"|chat\.whatsapp\.com/(?:invite/)?(?P<wa_g>[A-Za-z0-9]{10,40})"
    r"|(?:t|telegram)\.(?:me|dog)/(?:joinchat/|\+)(?P<tg_i>[A-Za-z0-9_\-]{8,64})"
    r"|(?:t|telegram)\.(?:me|dog)/(?:s/)?(?P<tg>[A-Za-z][A-Za-z0-9_]{3,31})"
    r"|tg://resolve\?domain=(?P<tg2>[A-Za-z][A-Za-z0-9_]{3,31})"
    r"|signal\.me/#p/(?:%2B|\+)?(?P<sg_n>\d{6,16})"
    r"|signal\.me/#(?:eu|u)/(?P<sg_u>[A-Za-z0-9_\-.~%]{4,200})"
    r"|signal\.group/#(?P<sg_g>[A-Za-z0-9_\-]{8,300})"
    r"|viber://(?:chat|add|contact)\?number=(?:%2B|\+)?(?P<vb_n>\d{6,16})"
    r"|invite\.viber\.com/\?g2?=(?P<vb_g>[A-Za-z0-9_\-]{4,100})"
    r"|imo\.im/(?P<imo>[A-Za-z0-9_\-]{3,64})"
    r"|snapchat\.com/add/(?P<snap>[A-Za-z0-9_.\-]{2,30})"
    r"|m\.me/(?P<msgr>[A-Za-z0-9_.]{3,64})"
    r")" + _URL_TAIL,
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)" + r"[^\s<>\"'«»“”]+", re.IGNORECASE)
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_HANDLE = re.compile(r"(?<![\w@./])@(?P<h>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
# A candidate phone: an optional + or 00, then digits (any script) with single separators.
_PHONE = re.compile(
    r"(?<![\w+/=])(?P<plus>\+\s?|(?:00|٠٠|۰۰)\s?)?\(?\d(?:[ \u00a0.\-/()]{0,2}\d){5,40}(?!\w)"
)
# Dates are blanked out before looking for phones (12.05.2024 is not a phone number).
_DATE = re.compile(
    r"(?<![\d.\-/])(?:\d{1,2}([./-])\d{1,2}\1(?:19|20)\d\d|(?:19|20)\d\d([./-])\d{1,2}\2\d{1,2})"
    r"(?!\d|[./-]\d)"
)
_TRAILING = ".,;:!?)]}'\"»”…"
_ANY_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=8)
def _price_pattern(settings: Settings) -> re.Pattern[str]:
    symbols = [c for c in settings.currencies if len(c) == 1 and not c.isalnum()]
    words = [c for c in settings.currencies if c not in symbols]
    symbol_re = "|".join(re.escape(s) for s in sorted(symbols))
    word_re = _trie_pattern(words)
    cur = f"(?:{symbol_re}|{word_re}(?!\\w))" if symbols else f"(?:{word_re}(?!\\w))"
    mult = f"(?:{_trie_pattern(settings.multipliers)})(?!\\w)" if settings.multipliers else "(?!)"
    amount = r"\d{1,3}(?:[.,\u066b\u066c ]\d{3})+(?![\d])|\d+(?:[.,\u066b]\d+)?"
    pattern = (
        rf"(?<!\w)(?:(?P<c1>{cur})\s?(?P<a1>{amount})(?:\s?(?P<m1>{mult}))?"
        rf"|(?P<a2>{amount})\s?(?:(?P<m2>{mult})\s?)?(?P<c2>{cur}))"
    )
    return re.compile(pattern, re.IGNORECASE)


# -- extraction -------------------------------------------------------------------------------


class _Spans:
    """Character ranges already claimed, so a URL's digits are not read again as a phone."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.ranges)

    def add(self, start: int, end: int) -> None:
        self.ranges.append((start, end))


def _e164(number: str) -> str | None:
    """``+<digits>`` as E.164 when it is a valid number, else None."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=65536)
def normalise_phone(raw: str, regions: tuple[str, ...] = ()) -> str | None:
    """The E.164 form of a phone number written in any common way, or None.

    ``+44 …`` and ``0044 …`` are international; a number without them is tried in each of
    ``regions`` in order and taken from the first where it is valid; failing that, as an
    international number without its ``+`` when written as one run of 11 to 15 digits
    (``447911123456``, as in WhatsApp links)."""
    text = ascii_digits(raw).strip()
    digits = re.sub(r"\D", "", text)
    if not 6 <= len(digits) <= 17:
        return None
    if text.startswith("+"):
        return _e164("+" + digits)
    if digits.startswith("00"):
        return _e164("+" + digits[2:])
    for region in regions:
        try:
            parsed = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if 11 <= len(digits) <= 15 and digits == text and not digits.startswith("0"):
        return _e164("+" + digits)
    return None


def _phones_in(text: str, m: re.Match[str], regions: tuple[str, ...]) -> list[Indicator]:
    """Phones in one candidate run; a run holding two numbers is split at its separators."""
    start = m.start()
    raw = text[start : m.end()]
    # Drop trailing brackets and separators.
    while raw and raw[-1] in "()-./ ":
        raw = raw[:-1]
    value = normalise_phone(raw, regions)
    if value:
        return [Indicator("phone", value, raw, start, start + len(raw))]
    if len(re.sub(r"\D", "", ascii_digits(raw))) < 12:
        return []
    # Split into digit groups and try the longest valid run of groups from each start.
    groups = [(g.start(), g.end()) for g in re.finditer(r"\+?\d+", raw)]
    found: list[Indicator] = []
    i = 0
    while i < len(groups):
        hit = None
        for j in range(len(groups) - 1, i, -1):
            piece = raw[groups[i][0] : groups[j][1]]
            if len(re.sub(r"\D", "", piece)) > 15:
                continue
            value = normalise_phone(piece, regions)
            if value:
                hit = (j, piece, value)
                break
        if hit is None:
            i += 1
            continue
        j, piece, value = hit
        s = start + groups[i][0]
        found.append(Indicator("phone", value, piece, s, s + len(piece)))
        i = j + 1
    return found


def _strip_url(raw: str) -> str:
    while raw and raw[-1] in _TRAILING:
        # Keep a closing bracket that belongs to the URL (wikipedia-style paths).
        if raw[-1] == ")" and raw.count("(") >= raw.count(")"):
            break
        raw = raw[:-1]
    return raw


def _normal_url(raw: str) -> str:
    url = raw if "://" in raw else "http://" + raw
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def _messaging(m: re.Match[str], regions: tuple[str, ...]) -> list[Indicator]:
    raw = _strip_url(m.group(0))
    s, e = m.start(), m.start() + len(raw)
    head = m.string[max(0, s - 12) : s].lower()
    for scheme in ("https://www.", "http://www.", "https://", "http://", "www."):
        if head.endswith(scheme):
            raw, s = m.string[s - len(scheme) : e], s - len(scheme)
            break
    g = m.groupdict()
    out: list[Indicator] = []

    def add(value: str) -> None:
        out.append(Indicator("messaging", value, raw, s, e))

    for key, service in (("wa_n", "whatsapp"), ("sg_n", "signal"), ("vb_n", "viber")):
        if g[key]:
            phone = _e164("+" + g[key]) or normalise_phone(g[key], regions)
            add(f"{service}:{phone or g[key]}")
            if phone:
                out.append(Indicator("phone", phone, raw, s, e))
            return out
    if g["wa_g"]:
        add(f"whatsapp-group:{g['wa_g']}")
    elif g["tg_i"]:
        add(f"telegram-invite:{g['tg_i']}")
    elif g["tg"] or g["tg2"]:
        name = (g["tg"] or g["tg2"]).lower()
        add(f"telegram:@{name}")
        out.append(Indicator("handle", f"@{name}", raw, s, e))
    elif g["sg_u"]:
        add(f"signal-link:{g['sg_u']}")
    elif g["sg_g"]:
        add(f"signal-group:{g['sg_g']}")
    elif g["vb_g"]:
        add(f"viber-group:{g['vb_g']}")
    elif g["imo"]:
        add(f"imo:{g['imo'].lower()}")
    elif g["snap"]:
        add(f"snapchat:@{g['snap'].lower()}")
    elif g["msgr"]:
        add(f"messenger:{g['msgr'].lower()}")
    return out


def _amount(text: str) -> float | None:
    digits = ascii_digits(text).replace("\u066c", ",").replace("\u066b", ".")
    if re.fullmatch(r"\d{1,3}(?:[., ]\d{3})+", digits):
        return float(re.sub(r"\D", "", digits))
    try:
        return float(digits.replace(",", "."))
    except ValueError:
        return None


def _price(m: re.Match[str], settings: Settings) -> Indicator | None:
    amount = _amount(m.group("a1") or m.group("a2"))
    currency = settings.currencies.get(_norm_term(m.group("c1") or m.group("c2")))
    if amount is None or currency is None:
        return None
    multiplier = m.group("m1") or m.group("m2")
    if multiplier:
        amount *= settings.multipliers.get(_norm_term(multiplier), 1)
    shown = f"{amount:.0f}" if amount == int(amount) else f"{amount:.2f}".rstrip("0")
    raw = m.group(0).rstrip()
    return Indicator("price", f"{shown} {currency}", raw, m.start(), m.start() + len(raw))


def extract_indicators(
    text: str,
    *,
    regions: Sequence[str] | None = None,
    language: str | None = None,
    lexicon: Lexicon | None = None,
    settings: Settings | None = None,
) -> list[Indicator]:
    """Every indicator in ``text``, ordered by position.

    ``regions`` (ISO codes) are tried in order for numbers written without ``+``/``00``;
    by default the post's ``language`` regions, then the list in
    resources/lexicon/_settings.toml."""
    if not text:
        return []
    settings = settings or load_settings()
    lexicon = lexicon or load_lexicon()
    if regions is None:
        regions = regions_for(language, settings)
    else:
        regions = tuple(r.upper() for r in regions)
    found: list[Indicator] = []
    claimed = _Spans()
    lowered_has = text.lower()
    if "." in text or "://" in text:
        if any(
            k in lowered_has
            for k in (
                "wa.me",
                "whatsapp.com",
                ".me/",
                "t.dog",
                "tg:",
                "signal.",
                "viber",
                "imo.im",
                "snapchat.com",
            )
        ):
            for m in _MESSAGING.finditer(text):
                hits = _messaging(m, regions)
                if hits:
                    found.extend(hits)
                    claimed.add(hits[0].start, hits[0].end)
        for m in _URL.finditer(text):
            raw = _strip_url(m.group(0))
            if claimed.overlaps(m.start(), m.start() + len(raw)):
                continue
            found.append(Indicator("url", _normal_url(raw), raw, m.start(), m.start() + len(raw)))
            claimed.add(m.start(), m.start() + len(raw))
    if "@" in text:
        for m in _EMAIL.finditer(text):
            if not claimed.overlaps(m.start(), m.end()):
                found.append(Indicator("email", m.group(0).lower(), m.group(0), m.start(), m.end()))
                claimed.add(m.start(), m.end())
        for m in _HANDLE.finditer(text):
            if not claimed.overlaps(m.start(), m.end()):
                found.append(
                    Indicator("handle", "@" + m.group("h").lower(), m.group(0), m.start(), m.end())
                )
    if _ANY_DIGIT.search(text) is not None:  # prices and phones need digits
        prices = _price_pattern(settings)
        for m in prices.finditer(text):
            if claimed.overlaps(m.start(), m.end()):
                continue
            price = _price(m, settings)
            if price:
                found.append(price)
                claimed.add(price.start, price.end)
        # Phones are looked for in a copy with links, prices and dates blanked (same offsets).
        scan = text
        if claimed.ranges or "." in text or "-" in text or "/" in text:
            blanks = claimed.ranges + [d.span() for d in _DATE.finditer(ascii_digits(text))]
            if blanks:
                chars = list(text)
                for s, e in blanks:
                    chars[s:e] = " " * (e - s)
                scan = "".join(chars)
        for m in _PHONE.finditer(scan):
            for phone in _phones_in(text, m, regions):
                found.append(phone)
                claimed.add(phone.start, phone.end)
    if lexicon.pattern is not None:
        for m in lexicon.pattern.finditer(text):
            if claimed.overlaps(m.start(), m.end()):
                continue
            exact = m.group("exact") if "exact" in m.re.groupindex else None
            key = _norm_term(exact) if exact else "*" + _norm_term(m.group("stem"))
            for concept in lexicon.concepts.get(key, ()):
                found.append(Indicator("lexicon", concept, m.group(0), m.start(), m.end()))
    found.sort(key=lambda i: (i.start, i.end, i.kind))
    return found


def describe(indicator: Indicator) -> str:
    """A short label for a tooltip or a pivot list: 'phone +447911123456'."""
    return f"{indicator.kind} {indicator.value}"


if __name__ == "__main__":  # pragma: no cover - a quick look from the command line
    for item in extract_indicators(sys.stdin.read()):
        print(item)
