"""The search normalisation of core/search_normal.py as PostgreSQL functions, generated from the
Python tables so that there is one source of truth (migration 16 installs them).

- ``search_fold(text)``: exactly ``search_normal.fold`` (tests/store/test_pg_schema.py checks it
  on tricky strings). A string with nothing to fold is returned after one regex test; otherwise
  the table is applied per Unicode block with ``translate()``, each block only when the text has
  a character of it, so a Latin post never pays for the Arabic table. A string holding a
  character whose fold is several characters (presentation-form ligatures such as ﻻ or ﷲ) goes
  through ``search_fold_chars``, a character-by-character lookup in the whole table as jsonb.
- ``search_key(text)``: what FTS5's ``unicode61 remove_diacritics 2`` tokenizer does to folded
  text before indexing it, as ``search_normal.word_key`` sees a word: lower case, Latin, Greek
  and Cyrillic diacritics removed, and every character that is not a letter, a digit or private
  use (``search_normal.words``) turned into a space, so that PostgreSQL's parser sees the same
  words FTS5 does (``a.b@c.com`` is three words on both, not one e-mail token). Taa marbuta is
  not folded here: like on SQLite, the query searches both forms.

The table is frozen into the functions when they are made; ``fold_digest()`` names it, and is
kept in meta ``search_fold_digest`` so a program with another table can notice and rebuild."""

from __future__ import annotations

import hashlib
import json
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
    points = sorted(set(code_points))
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        low, high = chr(points[i]), chr(points[j])
        if i == j:
            parts.append(_escape_bracket(low))
        else:
            parts.append(f"{_escape_bracket(low)}-{_escape_bracket(high)}")
        i = j + 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _escape_bracket(ch: str) -> str:
    # Every character as an ARE character-entry escape: nothing in the bracket is special, and
    # the pattern is plain ASCII whatever the client encoding.
    cp = ord(ch)
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _translate_step(expr: str, pairs: list[tuple[int, str]]) -> str:
    """``expr`` with ``pairs`` (code point → '' or one character) applied when it holds one."""
    kept = [(cp, to) for cp, to in pairs if to]
    dropped = [cp for cp, to in pairs if not to]
    source = "".join(chr(cp) for cp, _ in kept) + "".join(chr(cp) for cp in dropped)
    target = "".join(to for _, to in kept)
    guard = _bracket([cp for cp, _ in pairs])
    return f"triage_translate_if({expr}, {_literal(guard)}, {_literal(source)}, {_literal(target)})"


def _blocked_steps(expr: str, table: dict[int, str]) -> str:
    """One guarded translate() per group of at most _GROUP entries (translate() scans its whole
    source string for every character it does not replace, so short sources keep it cheap)."""
    group: list[tuple[int, str]] = []
    for cp, to in sorted(table.items()):
        if group and (len(group) >= _GROUP or _zone(group[0][0]) != _zone(cp)):
            expr = _translate_step(expr, group)
            group = []
        group.append((cp, to))
    if group:
        expr = _translate_step(expr, group)
    return expr


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
    one space."""
    lowered = text.translate(case_table()).lower()
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    plain = unicodedata.normalize("NFC", stripped)
    separators = _separator_set()
    out: list[str] = []
    for ch in plain:
        if ch in separators or ch == " ":
            if not out or out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
    return "".join(out).lower()


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


def fold_digest() -> str:
    """Names the fold and key tables (and the Unicode version that built them)."""
    data = json.dumps(
        [unicodedata.unidata_version, sorted(fold_table().items()), sorted(case_table().items())],
        ensure_ascii=True,
    )
    return hashlib.sha256(data.encode("ascii")).hexdigest()[:16]


def functions_sql() -> str:
    """CREATE OR REPLACE statements for triage_translate_if, search_fold_chars, search_fold and
    search_key (immutable and parallel safe, so usable in generated columns and indexes)."""
    table = fold_table()
    everything = _bracket(list(table))
    multi = _bracket([cp for cp, to in table.items() if len(to) > 1])
    as_json = json.dumps({chr(cp): to for cp, to in sorted(table.items())}, ensure_ascii=True)
    single = {cp: to for cp, to in table.items() if len(to) <= 1}
    cases = case_table()
    body_fold = (
        "SELECT CASE WHEN s IS NULL THEN NULL "
        f"WHEN s !~ {_literal(everything)} THEN s "
        f"WHEN s ~ {_literal(multi)} THEN search_fold_chars(s) "
        f"ELSE {_blocked_steps('s', single)} END"
    )
    marks = _literal(_bracket(list(range(0x300, 0x370))))
    spaces = _literal(_bracket([*_separators(), 0x20]) + "+")
    body_case = (
        f"SELECT CASE WHEN s ~ {_literal(_bracket(list(cases)))} "
        f"THEN {_blocked_steps('s', cases)} ELSE s END"
    )
    body_plain = (
        f"SELECT CASE WHEN s ~ {_literal(_bracket(normalising_chars()))} "
        f"THEN normalize(regexp_replace(normalize(s, NFKD), {marks}, '', 'g'), NFC) ELSE s END"
    )
    body_key = (
        f"SELECT lower(regexp_replace(search_key_plain(search_key_case(s)), {spaces}, ' ', 'g'))"
    )
    for body in (body_fold, body_case, body_plain, body_key, as_json):
        if "$fold$" in body:
            raise ValueError("the fold table holds the dollar-quote tag")
    return f"""
CREATE OR REPLACE FUNCTION triage_translate_if(s text, guard text, source text, target text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
    SELECT CASE WHEN s ~ guard THEN translate(s, source, target) ELSE s END
$fold$;
CREATE OR REPLACE FUNCTION search_fold_chars(s text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
    SELECT coalesce(string_agg(coalesce({_literal(as_json)}::jsonb ->> c, c), '' ORDER BY n), '')
    FROM regexp_split_to_table(s, '') WITH ORDINALITY AS t(c, n)
$fold$;
CREATE OR REPLACE FUNCTION search_fold(s text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
    {body_fold}
$fold$;
CREATE OR REPLACE FUNCTION search_key_case(s text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
    {body_case}
$fold$;
CREATE OR REPLACE FUNCTION search_key_plain(s text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
    {body_plain}
$fold$;
CREATE OR REPLACE FUNCTION search_key(s text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
    {body_key}
$fold$;
COMMENT ON FUNCTION search_fold(text) IS {_literal("triage fold " + fold_digest())};
"""
