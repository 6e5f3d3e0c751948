"""Search normalisation: fold the spelling variants people type on phones into one form, for
the full-text index and for the query alike. The stored post text is never changed.

What folds (tables below, one place):

- Arabic script: alef forms ``أ إ آ ٱ ٲ ٳ`` → ``ا``; yeh forms ``ى ی ي ے ۍ``... (alef maqsura,
  Persian yeh, Arabic yeh, Urdu yeh barree) → ``ي``; kaf ``ک ك ڪ`` → ``ك``; heh forms ``ۀ ۂ ہ ە
  ھ`` → ``ه`` (Persian ezafe heh, Urdu heh goal, Kurdish ae and heh doachashmee, which Arabic
  keyboards all type as ``ه``); hamza carriers ``ؤ ئ`` → ``و ي`` (dialect typing drops the
  hamza: رئيس/ريس); presentation forms (text copied from PDFs) → the plain letters; tatweel,
  harakat, Quranic annotation marks and the superscript alef removed.
- Taa marbuta ``ة`` stays in the index; a query word ending in ``ة`` or ``ه`` searches both
  forms (:func:`search_query`), so مدرسة finds مدرسه and the reverse without folding Persian
  and Kurdish final heh into Arabic words in the index.
- Zero-width characters and bidi controls (ZWNJ/ZWJ, LRM/RLM, isolates, embeddings, BOM, soft
  hyphen, the Arabic letter mark) removed: ``می‌روم`` and ``میروم`` are one word.
- Digits of every Unicode script (Arabic-Indic ٠-٩, Persian ۰-۹, Devanagari, Bengali, fullwidth,
  mathematical…) → ASCII 0-9, so ``2800`` finds ``٢٨٠٠``.
- Ethiopic letters that are the same sound in Amharic: the ሀ/ሐ/ኀ, ሰ/ሠ, አ/ዐ and ጸ/ፀ families
  fold to the first, order by order (ሑ → ሁ, ሣ → ሳ, ዓ → ኣ…). Tigrinya keeps ሐ apart from ሀ in
  speech; for search the fold is accepted (a few more hits, never fewer).
- Latin, Greek and Cyrillic diacritics: combining marks (U+0300–036F) removed here; precomposed
  Latin letters are folded by the FTS5 tokenizer (``unicode61 remove_diacritics 2``).

Every rule maps one character to zero, one or a few characters, so :func:`fold_with_offsets`
can map a position in the folded text back to the original: the preview highlights search hits
on the characters the post really has."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# Bump when a table changes: stores re-fold their index when they see a new version.
FOLD_VERSION = 1

ALEF = "\u0627"
YEH = "\u064a"
KAF = "\u0643"
HEH = "\u0647"
TAA_MARBUTA = "\u0629"

_LETTERS: dict[str, str] = {
    # alef forms
    "\u0623": ALEF,  # أ
    "\u0625": ALEF,  # إ
    "\u0622": ALEF,  # آ
    "\u0671": ALEF,  # ٱ wasla
    "\u0672": ALEF,  # ٲ
    "\u0673": ALEF,  # ٳ
    "\u0675": ALEF,  # ٵ
    # yeh forms
    "\u0649": YEH,  # ى alef maqsura
    "\u06cc": YEH,  # ی Persian yeh
    "\u06d2": YEH,  # ے Urdu yeh barree
    "\u06d3": YEH,  # ۓ
    "\u0626": YEH,  # ئ yeh with hamza
    "\u0678": YEH,  # ٸ
    # waw with hamza
    "\u0624": "\u0648",  # ؤ → و
    "\u0676": "\u0648",  # ٶ
    # kaf forms
    "\u06a9": KAF,  # ک keheh (Persian, Kurdish)
    "\u06aa": KAF,  # ڪ swash kaf
    # heh forms
    "\u06c0": HEH,  # ۀ heh with yeh above
    "\u06c1": HEH,  # ہ heh goal (Urdu)
    "\u06c2": HEH,  # ۂ
    "\u06d5": HEH,  # ە ae (Sorani)
    "\u06be": HEH,  # ھ heh doachashmee
}

# Removed outright: tatweel, harakat and Quranic marks, zero-width and bidi controls.
_REMOVED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0300, 0x036F),  # combining diacritical marks (Latin, Greek, Cyrillic)
    (0x0610, 0x061A),  # Arabic honorifics and small marks
    (0x061C, 0x061C),  # Arabic letter mark
    (0x0640, 0x0640),  # tatweel
    (0x064B, 0x065F),  # harakat, tanween, shadda, sukun, hamza above/below…
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06DC),  # Quranic annotation
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
    (0x08D3, 0x08E1),  # extended Arabic marks
    (0x08E3, 0x08FF),
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200F),  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x2069),  # bidi isolates
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
)

# Ethiopic families whose members are one sound in Amharic: (first syllable of the family
# folded into, first syllables of the variants, how many orders to fold).
_ETHIOPIC: tuple[tuple[int, tuple[int, ...], int], ...] = (
    (0x1200, (0x1210, 0x1280), 7),  # ሀ ← ሐ ኀ
    (0x1230, (0x1220,), 8),  # ሰ ← ሠ (with the wa form ሧ → ሷ)
    (0x12A0, (0x12D0,), 7),  # አ ← ዐ
    (0x1338, (0x1340,), 7),  # ጸ ← ፀ
)

# Decomposed by compatibility (NFKD) then folded again: Arabic presentation forms, fullwidth
# and halfwidth forms, Latin ligatures.
_NFKD_RANGES: tuple[tuple[int, int], ...] = (
    (0xFB00, 0xFB06),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFE),
    (0xFF01, 0xFFEE),
)


def _fold_char(ch: str, table: dict[int, str]) -> str:
    return "".join(table.get(ord(c), c) for c in ch)


@lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    """The translate table: code point → replacement ('' removes)."""
    table: dict[int, str] = {ord(k): v for k, v in _LETTERS.items()}
    for low, high in _REMOVED_RANGES:
        for cp in range(low, high + 1):
            table[cp] = ""
    for target, variants, orders in _ETHIOPIC:
        for variant in variants:
            for order in range(orders):
                table[variant + order] = chr(target + order)
    # Digits of every script (Nd) → ASCII. Planes 0 and 1 hold all of them.
    for cp in range(0x80, 0x20000):
        ch = chr(cp)
        digit = unicodedata.decimal(ch, None)
        if digit is not None and cp not in table:
            table[cp] = str(digit)
    for low, high in _NFKD_RANGES:
        for cp in range(low, high + 1):
            ch = chr(cp)
            decomposed = unicodedata.normalize("NFKD", ch)
            if decomposed != ch:
                table[cp] = _fold_char(decomposed, table)
    return table


# Where posts' characters mostly come from: ASCII to Arabic and Syriac, the Indic scripts and
# Thai, Ethiopic, Latin Extended Additional to the symbols and arrows, CJK punctuation,
# presentation and fullwidth forms, emoji. See _translate_table.
_COMMON_BLOCKS = (
    (0x0000, 0x0800),
    (0x0900, 0x0E00),
    (0x1200, 0x13A0),
    (0x1E00, 0x2C00),
    (0x3000, 0x3040),
    (0xFB00, 0x10000),
    (0x1F000, 0x1FB00),
)


@lru_cache(maxsize=1)
def _translate_table() -> dict[int, int | str]:
    """fold_table() plus every other character of _COMMON_BLOCKS mapped to itself: a table
    without a character makes str.translate raise and swallow a LookupError for it, once per
    character of every non-ASCII text. With them, fold() takes half the time (2.7 against
    5.7 µs for a 70-character post of the demo's mix; a team server's import folds every new
    post's text); 11,000 entries, 0.7 MB. The result is the same: a character absent from the
    table is kept as it is either way."""
    table: dict[int, int | str] = {
        cp: cp for low, high in _COMMON_BLOCKS for cp in range(low, high)
    }
    table.update(fold_table())
    return table


def fold(text: str | None) -> str | None:
    """The search form of ``text`` (None stays None): what the index holds and queries use."""
    if text is None:
        return None
    if text.isascii():  # nothing to fold (the table maps no ASCII character): the common case
        return text
    return text.translate(_translate_table())


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the original character it
    came from (plus one last entry: ``len(text)``), to map folded spans back."""
    table = fold_table()
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = table.get(ord(ch), ch)
        out.append(folded)
        origin.extend([index] * len(folded))
    origin.append(len(text))
    return "".join(out), origin


# -- words, the way FTS5's unicode61 tokenizer sees them -----------------------------------------


def _is_token_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or cat == "Co"


_WORD = re.compile(r"[^\W_]+")  # letters and digits (Python's \w minus '_')


def words(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each word of already folded text (letters, digits, private use)."""
    start = -1
    for index, ch in enumerate(text):
        if _is_token_char(ch):
            if start < 0:
                start = index
        elif start >= 0:
            yield start, index
            start = -1
    if start >= 0:
        yield start, len(text)


def word_key(word: str) -> str:
    """How two folded words compare: lower case, no Latin diacritics, final taa marbuta as heh
    (the query searches both forms)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c) or c > "\u036f")
    plain = unicodedata.normalize("NFC", plain)
    if plain.endswith(TAA_MARBUTA):
        plain = plain[:-1] + HEH
    return plain


# -- the query ------------------------------------------------------------------------------------

_OPERATORS = ("AND", "OR", "NOT", "NEAR")
_MAX_VARIANTS = 8


@dataclass(frozen=True)
class _Token:
    kind: str  # 'word', 'string', 'op' (AND/OR/NOT), 'near', 'punct', 'space'
    text: str


def _is_bareword_char(ch: str) -> bool:
    return ord(ch) > 127 or ch.isalnum() or ch == "_" or ch == "\x1a"


# Punctuation inside a word that FTS5 would refuse as syntax; the tokenizer splits the word
# there, so the word is searched as a phrase of its parts.
_GLUE = frozenset("-./'’@#&_=~$,!?;")


def _starts_number(query: str, i: int) -> bool:
    """A '+' that starts a phone number (+44 …), not FTS5's phrase joiner."""
    return (
        query[i] == "+"
        and i + 1 < len(query)
        and query[i + 1].isdigit()
        and (i == 0 or query[i - 1].isspace() or query[i - 1] == "(")
    )


def _tokens(query: str) -> list[_Token]:
    """The FTS5 query as tokens; unknown characters pass through as punctuation (SQLite then
    reports the syntax error, which the caller turns into a readable line)."""
    out: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace() and ord(ch) < 128:
            j = i
            while j < n and query[j].isspace() and ord(query[j]) < 128:
                j += 1
            out.append(_Token("space", query[i:j]))
            i = j
        elif ch == '"':
            quoted = read_quoted(query, i)
            if quoted is None:  # unterminated: left as typed, for SQLite to say so
                out.append(_Token("punct", query[i:]))
                i = n
            else:
                out.append(_Token("string", quoted[0]))
                i = quoted[1]
        elif _is_bareword_char(ch) or _starts_number(query, i):
            j = i + 1
            while j < n and not query[j].isspace():
                if _is_bareword_char(query[j]):
                    j += 1
                elif query[j] in _GLUE and j + 1 < n and _is_bareword_char(query[j + 1]):
                    j += 1  # e-mail, wa.me/4479, 2,500: one phrase, as the tokenizer splits it
                elif query[j] == "%" and (j + 1 == n or query[j + 1].isspace()):
                    j += 1  # 100%
                else:
                    break
            word = query[i:j]
            if word in ("AND", "OR", "NOT"):
                out.append(_Token("op", word))
            elif word == "NEAR" and j < n and query[j] == "(":
                out.append(_Token("near", word))
            else:
                out.append(_Token("word", word))
            i = j
        else:
            out.append(_Token("punct", ch))
            i += 1
    return out


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _taa_variants(folded: str) -> list[str]:
    """``folded`` with each word-final ة/ه in both forms (at most a few variants)."""
    ends = [e - 1 for _s, e in words(folded) if folded[e - 1] in (TAA_MARBUTA, HEH)]
    variants = [folded]
    for end in ends:
        other = HEH if folded[end] == TAA_MARBUTA else TAA_MARBUTA
        variants += [v[:end] + other + v[end + 1 :] for v in variants]
        if len(variants) >= _MAX_VARIANTS:
            break
    return variants[:_MAX_VARIANTS]


def search_query(query: str) -> str:
    """The user's FTS5 query with every word and phrase folded like the index, and a word or
    phrase ending in ة or ه searched in both forms: ``مدرسة`` becomes ``("مدرسة" OR "مدرسه")``.

    Operators, parentheses, column filters, prefixes (``*``) and NEAR groups keep their
    meaning; where a variant group meets a neighbour without an operator the implied AND is
    written out (FTS5 wants it written next to a parenthesis)."""
    tokens = _tokens(query)
    pieces: list[tuple[str, str]] = []  # (role, text): role 'operand', 'group', 'other'
    depth_near = 0
    in_braces = False
    expanded = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = _next_solid(tokens, i)
        if tok.kind == "space":
            i += 1
            continue
        if tok.kind == "near":
            depth_near = 1
            pieces.append(("other", "NEAR"))
        elif in_braces or (depth_near and pieces and pieces[-1][1] == ","):
            # inside {...} until its "}"; a NEAR distance leaves no brace open behind it
            in_braces = in_braces and tok.text != "}"
            pieces.append(("other", tok.text))  # column names, or NEAR's distance
        elif tok.kind == "punct":
            in_braces = tok.text == "{"
            if tok.text == "(" and depth_near:
                depth_near += 1
            elif tok.text == ")" and depth_near:
                depth_near -= 1
                depth_near = 0 if depth_near == 1 else depth_near
            pieces.append(("other", tok.text))
        elif tok.kind == "op":
            pieces.append(("other", tok.text))
        else:
            if tok.kind == "word" and nxt is not None and tokens[nxt].text == ":":
                pieces.append(("column", tok.text))  # a column name
                i += 1
                continue
            folded = fold(tok.text) or ""
            if not any(True for _ in words(folded)):
                i += 1  # nothing searchable left (a lone mark or tatweel)
                continue
            prefix = nxt is not None and tokens[nxt].text == "*"
            joined = (bool(pieces) and pieces[-1][1] in ("^", "+")) or (
                nxt is not None and tokens[nxt].text == "+"
            )
            variants = [folded] if depth_near or joined else _taa_variants(folded)
            star = "*" if prefix else ""
            if len(variants) > 1:
                expanded = True
                body = " OR ".join(_quote(v) + star for v in variants)
                pieces.append(("group", f"({body})"))
            else:
                pieces.append(("operand", _quote(folded) + star))
            if prefix:
                i = nxt  # type: ignore[assignment]
        i += 1
    return _join(pieces, explicit_and=expanded)


def read_quoted(query: str, start: int) -> tuple[str, int] | None:
    """The FTS5 string opening at ``query[start]`` (``""`` inside is one quote) and the index
    just past its closing quote; None when it never closes."""
    body: list[str] = []
    j, n = start + 1, len(query)
    while j < n:
        if query[j] == '"':
            if j + 1 < n and query[j + 1] == '"':
                body.append('"')
                j += 2
                continue
            return "".join(body), j + 1
        body.append(query[j])
        j += 1
    return None


def _next_solid(tokens: list[_Token], i: int) -> int | None:
    j = i + 1
    while j < len(tokens) and tokens[j].kind == "space":
        j += 1
    return j if j < len(tokens) else None


def _join(pieces: list[tuple[str, str]], *, explicit_and: bool) -> str:
    out: list[str] = []
    previous: tuple[str, str] | None = None
    in_near = False  # NEAR(...) holds phrases only: an AND there is a syntax error
    for role, text in pieces:
        if (
            explicit_and
            and not in_near
            and previous is not None
            and _ends_operand(previous)
            and (role in ("operand", "group", "column") or text in ("(", "NEAR", "{", "^"))
        ):
            out.append("AND")
        out.append(text)
        if previous is not None and previous[1] == "NEAR" and text == "(":
            in_near = True
        elif in_near and text == ")":
            in_near = False
        previous = (role, text)
    return " ".join(out)


def _ends_operand(piece: tuple[str, str]) -> bool:
    role, text = piece
    return role in ("operand", "group") or text == ")"


@dataclass(frozen=True)
class Term:
    """A searched word (folded), for highlighting: ``prefix`` when written with ``*``."""

    key: str
    prefix: bool = False


def query_terms(query: str) -> list[Term]:
    """The words a query looks for (not those after NOT, not column names)."""
    tokens = _tokens(query)
    terms: list[Term] = []
    negated = False
    for i, tok in enumerate(tokens):
        if tok.kind == "op":
            negated = tok.text == "NOT"
            continue
        if tok.kind not in ("word", "string"):
            continue
        nxt = _next_solid(tokens, i)
        if tok.kind == "word" and nxt is not None and tokens[nxt].text == ":":
            continue
        if negated:
            negated = False
            continue
        prefix = nxt is not None and tokens[nxt].text == "*"
        folded = fold(tok.text) or ""
        spans = list(words(folded))
        for k, (s, e) in enumerate(spans):
            terms.append(Term(word_key(folded[s:e]), prefix and k == len(spans) - 1))
    return terms


def match_spans(text: str, query: str | Iterable[Term]) -> list[tuple[int, int]]:
    """Spans of ``text`` (original positions) holding a word the query searched for, however
    it is spelt there: the preview's search highlights."""
    terms = query_terms(query) if isinstance(query, str) else list(query)
    if not terms or not text:
        return []
    exact = {t.key for t in terms if not t.prefix}
    prefixes = tuple(t.key for t in terms if t.prefix)
    folded, origin = fold_with_offsets(text)
    spans: list[tuple[int, int]] = []
    for start, end in words(folded):
        key = word_key(folded[start:end])
        if key in exact or (prefixes and key.startswith(prefixes)):
            # up to the next kept character: marks on the last letter (ةٌ) belong to the word
            spans.append((origin[start], origin[end]))
    return spans


def plain_words(query: str) -> list[str]:
    """The query's words as typed (for suggestions), without operators or syntax."""
    return [t.text for t in _tokens(query) if t.kind in ("word", "string") and t.text.strip()]


def has_syntax(query: str) -> bool:
    """True when the query uses operators, parentheses, prefixes or column filters."""
    return any(t.kind in ("op", "near", "punct") for t in _tokens(query))
