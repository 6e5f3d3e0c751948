"""The search normalisation of core/search_normal.py as PostgreSQL functions, generated from the
Python tables so that there is one source of truth (migration 16 installs them).

- ``search_fold(text)``: exactly ``search_normal.fold`` (tests/store/test_pg_schema.py checks it
  on tricky strings). A string with nothing to fold is returned after one regex test (2 µs for a
  300-character Latin post); otherwise the table is applied in groups of at most 100 characters
  with ``translate()``, each only when the text has a character of it (about 0.35 ms for a
  300-character Persian or vocalised Arabic post: fine for triggers on single rows and for
  queries; bulk imports fold in Python and write posts_fts themselves). A string holding a
  character whose fold is several characters (presentation-form ligatures such as ﻻ or ﷲ) goes
  through ``search_fold_chars``, a character-by-character lookup in the whole table as jsonb.
- ``search_key(text)``: what FTS5's ``unicode61 remove_diacritics 2`` tokenizer does to folded
  text before indexing it, as ``search_normal.word_key`` sees a word: lower case, Latin, Greek
  and Cyrillic diacritics removed, and every character that is not a letter, a digit or private
  use (``search_normal.words``) turned into a space, so that PostgreSQL's parser sees the same
  words FTS5 does (``a.b@c.com`` is three words on both, not one e-mail token). Taa marbuta is
  not folded here: like on SQLite, the query searches both forms. About 5 µs for a 200-character
  Latin post, 20 µs Persian, 110 µs Vietnamese (which needs normalize()).

The table is frozen into the functions when they are made; ``fold_digest()`` names it, and is
kept in meta ``search_fold_digest`` so a program with another table can notice and rebuild
(pinned in PINNED_DIGESTS: every open of a team store compares it, and computing it is slow)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import lru_cache

from ...core.search_normal import fold_table

# Groups of the tables never straddle these (the Arabic block, its supplements, punctuation and
# controls, presentation forms), so that everyday text touches few and small groups.
_ZONES = (0x0600, 0x0700, 0x0900, 0x2000, 0x2100, 0xFB00, 0x10000)
_GROUP = 100
_SURROGATES = range(0xD800, 0xE000)
_TOKEN_SCAN_END = 0x30000  # planes 0-2; beyond, every character counts as part of a word


def _literal(text: str) -> str:
    """A standard SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1)."""
    if "\x00" in text:
        raise ValueError("a NUL character cannot be written into PostgreSQL text")
    return "'" + text.replace("'", "''") + "'"


def _bracket(code_points: list[int], *, negate: bool = False) -> str:
    """A regex bracket expression matching these code points, as ranges."""
    parts = [
        _escape_bracket(chr(low))
        if low == high
        else f"{_escape_bracket(chr(low))}-{_escape_bracket(chr(high))}"
        for low, high in _runs(code_points)
    ]
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _runs(code_points: list[int]) -> list[tuple[int, int]]:
    """The code points as runs of consecutive ones, (first, last) each, in order."""
    points = sorted(set(code_points))
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        runs.append((points[i], points[j]))
        i = j + 1
    return runs


def _escape_bracket(ch: str) -> str:
    # Every character as an ARE character-entry escape: nothing in the bracket is special, and
    # the pattern is plain ASCII whatever the client encoding.
    cp = ord(ch)
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _translate_step(pairs: list[tuple[int, str]]) -> str:
    """A plpgsql statement applying ``pairs`` (code point → '' or one character) to ``s`` when
    it holds one of them."""
    kept = [(cp, to) for cp, to in pairs if to]
    dropped = [cp for cp, to in pairs if not to]
    source = "".join(chr(cp) for cp, _ in kept) + "".join(chr(cp) for cp in dropped)
    target = "".join(to for _, to in kept)
    guard = _bracket([cp for cp, _ in pairs])
    return (
        f"    IF s ~ {_literal(guard)} THEN\n"
        f"        s := translate(s, {_literal(source)}, {_literal(target)});\n    END IF;\n"
    )


def _blocked_steps(table: dict[int, str]) -> str:
    """One guarded translate() per group of at most _GROUP entries (translate() scans its whole
    source string for every character it does not replace, so short sources keep it cheap)."""
    steps: list[str] = []
    group: list[tuple[int, str]] = []
    for cp, to in sorted(table.items()):
        if group and (len(group) >= _GROUP or _zone(group[0][0]) != _zone(cp)):
            steps.append(_translate_step(group))
            group = []
        group.append((cp, to))
    if group:
        steps.append(_translate_step(group))
    return "".join(steps)


def _zone(cp: int) -> int:
    return sum(1 for bound in _ZONES if cp >= bound)


@lru_cache(maxsize=1)
def case_table() -> dict[int, str]:
    """Non-ASCII characters (that the fold keeps) whose lower case is one other character:
    lower() lowers only ASCII in a database with the C locale, so the rest is done here."""
    fold = fold_table()
    table: dict[int, str] = {}
    for cp in range(0x80, _TOKEN_SCAN_END):
        if cp in fold or cp in _SURROGATES:
            continue
        lowered = chr(cp).lower()
        if lowered != chr(cp) and len(lowered) == 1:
            table[cp] = lowered
    return table


def python_search_key(text: str) -> str:
    """What ``search_key`` gives, in Python (the reference the tests compare PostgreSQL with):
    lower case, NFKD, no combining marks of U+0300–036F, NFC, every run of non-word characters
    other than plain spaces one space (runs of spaces are left: the parser skips them)."""
    lowered = text.translate(case_table()).lower()
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    plain = unicodedata.normalize("NFC", stripped)
    separators = _separator_set()
    out: list[str] = []
    in_run = False
    for ch in plain:
        if ch in separators:
            if not in_run:
                out.append(" ")
            in_run = True
        else:
            out.append(ch)
            in_run = False
    return "".join(out).lower()


def search_key_of(text: str, folded: bool = False) -> str:
    """What the server's ``search_key(text)`` gives, computed in Python fast enough for an
    import to do it for every post (so that the server does not run the plpgsql function three
    times a row: server step 2, s002_search_keys.py). The steps of ``python_search_key`` with
    str methods and regexes instead of a loop over the characters (about 4 µs for a post of
    the demo's mix, the reference 60 µs):

    - ASCII text (most real posts): lower case, then each run of separators one space;
    - else: ``str.lower`` (what the case table gives, bar the final sigma, which the table
      lowers to σ everywhere: Σ is replaced first), NFKD, marks U+0300–036F removed, NFC, runs
      of separators one space, lower case again. Like the server (and unlike the reference),
      a text is normalised only when it holds one of ``normalising_chars``: U+034F (combining
      grapheme joiner, a mark without a combining class) is the one character that makes a
      difference, and is looked for first. ``folded``: the text is ``search_normal.fold``'s
      (which removes every mark U+0300–036F), so when NFKD changes nothing (CPython then
      hands back the very string) there is no mark to remove, unless lower case made one:
      ``"İ".lower()`` is i + U+0307, the only such character.

    Separators (``_separators``: not a letter, digit or private use, below U+30000, not a
    space) are ``[^\\w ]`` and ``_`` in Python's Unicode regexes, less private use, NUL,
    surrogates and planes 3-16 (tests/store/test_search_key_of.py checks every code point,
    alone and in context, against the reference, and samples against the server)."""
    if text.isascii():
        return _ASCII_SEPARATORS.sub(" ", text.lower())
    if "\u03a3" in text:
        text = text.replace("\u03a3", "\u03c3")
    lowered = text.lower()
    if "\u034f" not in lowered or _normalising().search(lowered) is not None:
        decomposed = unicodedata.normalize("NFKD", lowered)
        if decomposed is not lowered or not folded or "\u0307" in lowered:
            decomposed = _MARKS.sub("", decomposed)
        lowered = unicodedata.normalize("NFC", decomposed)
    return _SEPARATORS.sub(" ", lowered.replace("_", "-")).lower()


# ASCII's separators: everything but letters, digits and the space (NUL is none for the
# reference either; PostgreSQL text cannot hold it).
_ASCII_SEPARATORS = re.compile(r"[\x01-\x1f!-/:-@\[-`{-\x7f]+")
# (``_``, a word character to Python, is replaced by another separator first)
_SEPARATORS = re.compile(r"[^\w \x00\ud800-\udfff\ue000-\uf8ff\U00030000-\U0010ffff]+")
_MARKS = re.compile("[\u0300-\u036f]+")


@lru_cache(maxsize=1)
def _normalising() -> re.Pattern[str]:
    """A character after which NFKD/NFC may change the text (a large class: slow in Python's
    re, so only asked when U+034F makes it matter)."""
    parts = [
        re.escape(chr(low)) + ("-" + re.escape(chr(high)) if high > low else "")
        for low, high in _runs(normalising_chars())
    ]
    return re.compile("[" + "".join(parts) + "]")


@lru_cache(maxsize=1)
def normalising_chars() -> list[int]:
    """Characters without which NFKD, mark removal and NFC leave a string unchanged: those
    with a compatibility or canonical decomposition, combining marks (NFKD reorders them) and
    the second half of every canonical composition (NFC may compose it with what precedes it),
    Hangul vowel and final jamo included. search_key normalises only text holding one."""
    found: set[int] = set()
    for cp in range(0x80, _TOKEN_SCAN_END):
        if cp in _SURROGATES:
            continue
        ch = chr(cp)
        if unicodedata.normalize("NFKD", ch) != ch or unicodedata.combining(ch):
            found.add(cp)
        parts = unicodedata.decomposition(ch).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            found.add(int(parts[1], 16))
    found.update(range(0x1161, 0x1176))  # Hangul vowel jamo (LV composition)
    found.update(range(0x11A8, 0x11C3))  # Hangul final jamo (LVT composition)
    return sorted(found)


@lru_cache(maxsize=1)
def _separator_set() -> frozenset[str]:
    return frozenset(chr(cp) for cp in _separators())


def _separators() -> list[int]:
    """Characters that end a word (``search_normal.words``): not a letter, digit or private use."""
    out: list[int] = []
    for cp in range(1, _TOKEN_SCAN_END):
        if cp in _SURROGATES or cp == 0x20:
            continue
        category = unicodedata.category(chr(cp))
        if not (category[0] in "LN" or category == "Co"):
            out.append(cp)
    return out


# fold_digest() for this program's tables, by (Unicode version, FOLD_VERSION): computing it
# builds the fold and case tables from 196,000 code points (0.15 s on an idle machine, 1-3 s
# on a busy one), which every open of a team store paid to compare it with meta. A Python with
# another Unicode version, or a bumped FOLD_VERSION, computes it; tests/store/test_fold_digest.py
# computes it here and fails when a table changed without this line.
PINNED_DIGESTS: dict[tuple[str, int], str] = {("14.0.0", 1): "c11d1427a99d336d"}


@lru_cache(maxsize=1)
def fold_digest() -> str:
    """Names the fold and key tables (and the Unicode version that built them): the pinned
    value when this program's tables were pinned for this Unicode version, else computed."""
    from ...core.search_normal import FOLD_VERSION

    pinned = PINNED_DIGESTS.get((unicodedata.unidata_version, FOLD_VERSION))
    return pinned if pinned is not None else computed_fold_digest()


def computed_fold_digest() -> str:
    """fold_digest() worked out from the tables themselves."""
    data = json.dumps(
        [unicodedata.unidata_version, sorted(fold_table().items()), sorted(case_table().items())],
        ensure_ascii=True,
    )
    return hashlib.sha256(data.encode("ascii")).hexdigest()[:16]


def functions_sql() -> str:
    """CREATE OR REPLACE statements for search_fold_chars, search_fold and search_key
    (plpgsql, immutable and parallel safe, so usable in generated columns and indexes; each
    step a guarded statement, evaluated by plpgsql's fast path for simple expressions)."""
    table = fold_table()
    everything = _literal(_bracket(list(table)))
    multi = _literal(_bracket([cp for cp, to in table.items() if len(to) > 1]))
    as_json = json.dumps({chr(cp): to for cp, to in sorted(table.items())}, ensure_ascii=True)
    single = {cp: to for cp, to in table.items() if len(to) <= 1}
    cases = case_table()
    marks = _literal(_bracket(list(range(0x300, 0x370))))
    separators = _literal(_bracket(_separators()) + "+")
    body_fold = (
        "BEGIN\n"
        f"    IF s IS NULL OR s !~ {everything} THEN\n        RETURN s;\n    END IF;\n"
        f"    IF s ~ {multi} THEN\n        RETURN search_fold_chars(s);\n    END IF;\n"
        f"{_blocked_steps(single)}"
        "    RETURN s;\nEND"
    )
    body_key = (
        "BEGIN\n"
        "    IF s IS NULL THEN\n        RETURN NULL;\n    END IF;\n"
        f"    IF s ~ {_literal(_bracket(list(cases)))} THEN\n"
        f"{_blocked_steps(cases)}"
        "    END IF;\n"
        f"    IF s ~ {_literal(_bracket(normalising_chars()))} THEN\n"
        f"        s := normalize(regexp_replace(normalize(s, NFKD), {marks}, '', 'g'), NFC);\n"
        "    END IF;\n"
        f"    RETURN lower(regexp_replace(s, {separators}, ' ', 'g'));\n"
        "END"
    )
    for body in (body_fold, body_key, as_json):
        if "$fold$" in body:
            raise ValueError("the fold table holds the dollar-quote tag")
    return f"""
CREATE OR REPLACE FUNCTION search_fold_chars(s text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
    SELECT coalesce(string_agg(coalesce({_literal(as_json)}::jsonb ->> c, c), '' ORDER BY n), '')
    FROM regexp_split_to_table(s, '') WITH ORDINALITY AS t(c, n)
$fold$;
CREATE OR REPLACE FUNCTION search_fold(s text)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fold$
{body_fold}
$fold$;
CREATE OR REPLACE FUNCTION search_key(s text)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fold$
{body_key}
$fold$;
COMMENT ON FUNCTION search_fold(text) IS {_literal("triage fold " + fold_digest())};
"""
