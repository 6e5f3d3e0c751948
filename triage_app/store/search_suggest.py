"""When a search finds nothing: the nearest searches that would find something.

Tried in this order, each counted with the filters in force, and only those with hits offered:

- another spelling of a word that is in no post: the indexed words (``posts_fts_vocab``, all in
  their search form) within one or two edits of it, the commonest first;
- the word as a prefix (``word*``);
- fewer words: the search without one of its words, or any of its words (OR).

A query written with operators, parentheses or column filters gets spelling suggestions only
(rewriting its structure would guess at what the person meant)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from ..core.errors import TriageError
from ..core.search_normal import fold, has_syntax, plain_words
from .connection import OperationalError, Store
from .queue import QueueQuery, _search_start, _where

MAX_SUGGESTIONS = 4
_VOCAB_SCAN = 40000  # indexed words read per misspelt word, at most


@dataclass(frozen=True)
class Suggestion:
    search: str  # the search to run instead, as the person would type it
    hits: int  # posts it finds with the other filters in force
    why: str  # 'other spelling', 'as a prefix', 'fewer words', 'any of the words'

    @property
    def at_least(self) -> bool:
        """The count stopped at COUNT_CAP: there are this many posts or more."""
        return self.hits >= COUNT_CAP

    def posts_text(self) -> str:
        """'1 post', '2,345 posts', '10,000+ posts'."""
        more = "+" if self.at_least else ""
        return f"{self.hits:,}{more} {'post' if self.hits == 1 else 'posts'}"

    def line(self) -> str:
        return f"“{self.search}” ({self.posts_text()}, {self.why})"


# A suggestion's posts are counted up to here: enough to choose between suggestions, and a
# common word's count no longer walks the whole store (10M posts: 4 s for each of them, 12 s
# before a search with no hits said so).
COUNT_CAP = 10_000


def _vocab_form(word: str) -> str:
    """A word as the index's vocabulary holds it: folded, lower case, no Latin diacritics."""
    decomposed = unicodedata.normalize("NFKD", (fold(word) or "").casefold())
    return "".join(c for c in decomposed if not ("\u0300" <= c <= "\u036f"))


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def near_words(store: Store, word: str, count: int = 2) -> list[str]:
    """Indexed words within one edit (two for words of six letters or more) of ``word``, the
    ones in most posts first. Words sharing the first letter are read (a bounded scan)."""
    target = _vocab_form(word)
    if len(target) < 3:
        return []
    limit = 1 if len(target) < 6 else 2
    try:
        rows = _vocabulary(store, target)
    except OperationalError:  # a store without the vocabulary table (should not happen)
        return []
    scored = []
    for term, docs in rows:
        if term == target or abs(len(term) - len(target)) > limit:
            continue
        d = _distance(target, term, limit)
        if d <= limit:
            scored.append((d, -int(docs), term))
    scored.sort()
    return [term for _d, _docs, term in scored[:count]]


def _vocabulary(store: Store, target: str) -> list[tuple[str, int]]:
    """Indexed words sharing ``target``'s first letter, with the posts holding them. SQLite
    reads FTS5's own vocabulary table; PostgreSQL's counterpart (ts_stat over the whole
    index) reads every post, so there a few bounded prefix probes stand in for it
    (store/search_pg.py: vocabulary_near)."""
    if store.backend == "postgresql":
        from .search_pg import vocabulary_near

        return vocabulary_near(store.conn, target)
    first = target[0]
    return store.execute(
        "SELECT term, doc FROM posts_fts_vocab WHERE term >= ? AND term < ? LIMIT ?",
        (first, chr(ord(first) + 1), _VOCAB_SCAN),
    ).fetchall()


def _count(store: Store, query: QueueQuery, search: str) -> int:
    """How many posts ``search`` finds with the query's other filters (a count, no sort)."""
    try:
        counted = replace(query, search=search)
        # few matches: counted from them, not by walking the status index past every post
        where, params = _where(store, counted, _search_start(store, counted, None))
        sql = "SELECT 1 FROM posts p" + (" WHERE " + " AND ".join(where) if where else "")
        return int(store.scalar(f"SELECT count(*) FROM ({sql} LIMIT {COUNT_CAP}) AS c", params))
    except (TriageError, OperationalError):
        return 0


def _in_some_post(store: Store, word: str) -> bool:
    """Whether any post has ``word``: the first match is enough (counting every post with a
    common word took ~90 ms of a no-hit search at 200,000 posts)."""
    from .queue import search_match

    try:
        match, value = search_match(store, word)
        if store.backend == "postgresql":
            from .search_pg import any_match

            return any_match(store.conn, value)
        return (
            store.execute(f"SELECT 1 FROM posts_fts WHERE {match} LIMIT 1", (value,)).fetchone()
            is not None
        )
    except (TriageError, OperationalError):
        return False


def suggest(store: Store, query: QueueQuery) -> list[Suggestion]:
    """Searches near ``query.search`` that find posts (with the other filters kept)."""
    text = query.search.strip()
    words = plain_words(text)
    if not words:
        return []
    structured = has_syntax(text)
    candidates: list[tuple[str, str]] = []
    for word in words:
        if " " in word.strip() or _in_some_post(store, word):
            continue  # a phrase, or a word that is in posts (the combination is what fails)
        for other in near_words(store, word):
            candidates.append((_replace_word(text, word, other), "other spelling"))
        if not structured and len(_vocab_form(word)) >= 3:
            candidates.append((_replace_word(text, word, word + "*"), "as a prefix"))
    if not structured and len(words) > 1:
        for k in range(len(words)):
            rest = words[:k] + words[k + 1 :]
            candidates.append((" ".join(_quoted(w) for w in rest), "fewer words"))
        candidates.append((" OR ".join(_quoted(w) for w in words), "any of the words"))
    found: list[Suggestion] = []
    seen: set[str] = {text}
    for search, why in candidates:
        if search in seen:
            continue
        seen.add(search)
        hits = _count(store, query, search)
        if hits:
            found.append(Suggestion(search, hits, why))
        if len(found) >= MAX_SUGGESTIONS * 2:
            break
    order = {"other spelling": 0, "as a prefix": 1, "fewer words": 2, "any of the words": 3}
    found.sort(key=lambda s: (order.get(s.why, 9), -s.hits))
    return found[:MAX_SUGGESTIONS]


def _quoted(word: str) -> str:
    return f'"{word}"' if " " in word else word


def _replace_word(text: str, word: str, other: str) -> str:
    """``text`` with the first whole occurrence of ``word`` replaced by ``other``."""
    start = 0
    while True:
        at = text.find(word, start)
        if at < 0:
            return text
        end = at + len(word)
        before = text[at - 1] if at else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return text[:at] + other + text[end:]
        start = at + 1


def no_hits_message(search: str, suggestions: list[Suggestion]) -> str:
    """The one or two lines a person reads when a search found nothing."""
    head = f"No posts match “{search.strip()}”"
    if not suggestions:
        return head + " (spelling variants of Arabic-script letters and digits were included)."
    return head + ". Try " + "; ".join(s.line() for s in suggestions) + "."
