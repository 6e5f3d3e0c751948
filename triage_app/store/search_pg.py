"""Full-text search on a PostgreSQL store: the FTS5 query the person's search becomes
(core/search_normal.search_query, already folded) turned into a ``tsquery`` over ``posts_fts``'s
``document`` column (pg_migrations/m016_search_normal.py), so that a search finds the same posts
on a team server as in a local SQLite store.

Why a translation rather than PostgreSQL's own query parsers: the window and the CLI accept
FTS5's syntax (words, "phrases", prefix*, AND/OR/NOT with FTS5's precedence — NOT binds
tightest, then AND, then OR, and words side by side bind tighter still —, parentheses, column
filters ``handle:`` / ``{text name}:`` / ``-name:``, ``NEAR(a b, N)`` and ``a + b``), and
websearch_to_tsquery or to_tsquery read the same text differently. The grammar below is FTS5's
(fts5parse.y); what it cannot express on PostgreSQL (``^`` for "first word of the column") is
refused in one line.

The words of every phrase are cut by the server (``to_tsvector('simple', search_key(…))``), the
very steps that made ``document``, so a query word and an indexed word always agree, whatever
the server's idea of a letter. A phrase is kept inside one column (each word weighted with the
column's letter: A text, B handle, C name), as FTS5's phrases are: ``document`` joins the three
columns, so an unweighted phrase could run from the end of the text into the handle."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.search_normal import read_quoted

COLUMNS = {"text": "A", "handle": "B", "name": "C"}
ALL_COLUMNS = frozenset("ABC")
DEFAULT_NEAR = 10
# A NEAR group becomes every order and spacing of its phrases; beyond this many alternatives
# the query is refused rather than sent as a tsquery of megabytes.
MAX_NEAR_ALTERNATIVES = 2000
# Matches nothing: a lexeme cannot hold a space (search_key separates words with spaces).
NOTHING = "' '"


class SearchSyntaxError(Exception):
    """The search is not a query FTS5 would accept (or uses what PostgreSQL cannot do): the
    message is the detail shown after "Search not understood"."""


def is_postgresql(conn: Any) -> bool:
    """Whether ``conn`` is the PostgreSQL adapter (store/pg/adapter.py), which every function
    here takes (it reads ``?`` placeholders and maps errors to the sqlite3 classes)."""
    return hasattr(conn, "raw")


# -- the query's tokens (fts5ExprGetToken) ------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # 'string', 'bare', or the special character itself; 'end' at the end
    text: str


def _is_bare(ch: str) -> bool:
    return ord(ch) >= 0x80 or ch.isalnum() or ch in "_\x1a"


def _tokens(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch in " \t\n\r\v\f":
            i += 1
        elif ch in "(){}:,+*-^":
            out.append(_Tok(ch, ch))
            i += 1
        elif ch == '"':
            quoted = read_quoted(query, i)
            if quoted is None:
                raise SearchSyntaxError(f"unterminated string: {query[i:]}")
            out.append(_Tok("string", quoted[0]))
            i = quoted[1]
        elif _is_bare(ch):
            j = i
            while j < n and _is_bare(query[j]):
                j += 1
            out.append(_Tok("bare", query[i:j]))
            i = j
        else:
            raise SearchSyntaxError(f'syntax error near "{ch}"')
    out.append(_Tok("end", ""))
    return out


# -- the parse tree ----------------------------------------------------------------------------


@dataclass
class Phrase:
    """Words in a row: each part is (text as typed, prefix); the parts' words follow one
    another (FTS5's ``a + b``)."""

    parts: list[tuple[str, bool]]
    columns: frozenset[str] = ALL_COLUMNS


@dataclass
class Near:
    phrases: list[Phrase]
    distance: int
    columns: frozenset[str] = ALL_COLUMNS


@dataclass
class Op:
    op: str  # 'AND', 'OR', 'NOT' (left and not right)
    left: Node
    right: Node


Node = Phrase | Near | Op


@dataclass
class _Parser:
    toks: list[_Tok]
    pos: int = 0
    phrases: list[Phrase] = field(default_factory=list)

    def peek(self, ahead: int = 0) -> _Tok:
        return self.toks[min(self.pos + ahead, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.peek()
        self.pos += 1
        return tok

    def fail(self) -> SearchSyntaxError:
        return SearchSyntaxError(f'syntax error near "{self.peek().text}"')

    def _is_op(self, word: str) -> bool:
        tok = self.peek()
        return tok.kind == "bare" and tok.text == word

    def _binary(self, word: str, operand: Any) -> Node:
        node = operand()
        while self._is_op(word):
            self.take()
            node = Op(word, node, operand())
        return node

    def expr(self) -> Node:
        return self._binary("OR", self.and_expr)

    def and_expr(self) -> Node:
        return self._binary("AND", self.not_expr)

    def not_expr(self) -> Node:
        return self._binary("NOT", self.primary)

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "(":
            self.take()
            node = self.expr()
            if self.take().kind != ")":
                self.pos -= 1
                raise self.fail()
            return node
        if self._starts_colset():
            columns = self.colset()
            if self.take().kind != ":":
                self.pos -= 1
                raise self.fail()
            if self.peek().kind == "(":
                self.take()
                node = self.expr()
                if self.take().kind != ")":
                    self.pos -= 1
                    raise self.fail()
                return _restrict(node, columns)
            return self._exprlist(first=_restrict(self.nearset(), columns))
        return self._exprlist(first=None)

    def _exprlist(self, first: Node | None) -> Node:
        """Phrases side by side: AND, binding tighter than any operator."""
        node = first if first is not None else self.cnearset()
        while self._starts_cnearset():
            node = Op("AND", node, self.cnearset())
        return node

    def _starts_colset(self) -> bool:
        tok = self.peek()
        if tok.kind in ("-", "{"):
            return True
        return tok.kind in ("string", "bare") and self.peek(1).kind == ":" and not self._keyword()

    def _keyword(self) -> bool:
        tok = self.peek()
        return tok.kind == "bare" and tok.text in ("AND", "OR", "NOT")

    def _starts_cnearset(self) -> bool:
        tok = self.peek()
        if tok.kind in ("-", "{", "^"):
            return True
        return tok.kind in ("string", "bare") and not self._keyword()

    def cnearset(self) -> Node:
        if self._starts_colset():
            columns = self.colset()
            if self.take().kind != ":":
                self.pos -= 1
                raise self.fail()
            return _restrict(self.nearset(), columns)
        return self.nearset()

    def colset(self) -> frozenset[str]:
        negate = False
        if self.peek().kind == "-":
            self.take()
            negate = True
        names: list[str] = []
        if self.peek().kind == "{":
            self.take()
            while self.peek().kind in ("string", "bare"):
                names.append(self.take().text)
            if not names or self.take().kind != "}":
                self.pos -= 1
                raise self.fail()
        elif self.peek().kind in ("string", "bare"):
            names.append(self.take().text)
        else:
            raise self.fail()
        chosen = set()
        for name in names:
            letter = COLUMNS.get(name.lower())
            if letter is None:
                raise SearchSyntaxError(f"no such column: {name}")
            chosen.add(letter)
        return frozenset(ALL_COLUMNS - chosen if negate else chosen)

    def nearset(self) -> Node:
        tok = self.peek()
        if tok.kind == "^":
            raise SearchSyntaxError("^ (first word of a column) is not available on a team server")
        if tok.kind in ("string", "bare") and self.peek(1).kind == "(":
            if tok.text != "NEAR":
                raise self.fail()
            self.take()
            self.take()
            phrases = [self.phrase()]
            while self.peek().kind in ("string", "bare") and not self._keyword():
                phrases.append(self.phrase())
            distance = DEFAULT_NEAR
            if self.peek().kind == ",":
                self.take()
                value = self.take()
                if value.kind not in ("string", "bare"):
                    self.pos -= 1
                    raise self.fail()
                if not value.text.isdigit() or not value.text.isascii():
                    raise SearchSyntaxError(f'expected integer, got "{value.text}"')
                distance = int(value.text)
            if self.take().kind != ")":
                self.pos -= 1
                raise self.fail()
            return Near(phrases, distance) if len(phrases) > 1 else phrases[0]
        if tok.kind not in ("string", "bare") or self._keyword():
            raise self.fail()
        return self.phrase()

    def phrase(self) -> Phrase:
        parts = [self._part()]
        while self.peek().kind == "+":
            self.take()
            if self.peek().kind not in ("string", "bare"):
                raise self.fail()
            parts.append(self._part())
        found = Phrase(parts)
        self.phrases.append(found)
        return found

    def _part(self) -> tuple[str, bool]:
        if self._keyword() or self.peek().kind not in ("string", "bare"):
            raise self.fail()
        text = self.take().text
        prefix = self.peek().kind == "*"
        if prefix:
            self.take()
        return text, prefix


def _restrict(node: Node, columns: frozenset[str]) -> Node:
    """The node limited to ``columns`` too (nested column filters intersect)."""
    if isinstance(node, Op):
        _restrict(node.left, columns)
        _restrict(node.right, columns)
    elif isinstance(node, Near):
        node.columns = node.columns & columns
        for phrase in node.phrases:
            phrase.columns = phrase.columns & columns
    else:
        node.columns = node.columns & columns
    return node


def parse(query: str) -> tuple[Node, list[Phrase]]:
    """The parse tree of an FTS5 query, and every phrase in it (to have their words cut)."""
    parser = _Parser(_tokens(query))
    if parser.peek().kind == "end":
        raise SearchSyntaxError('syntax error near ""')
    node = parser.expr()
    if parser.peek().kind != "end":
        raise parser.fail()
    return node, parser.phrases


# -- words, cut by the server ---------------------------------------------------------------------

_LEXEMES_SQL = (
    "SELECT q.n, coalesce((SELECT array_agg(v.lexeme ORDER BY p.at) "
    "FROM unnest(to_tsvector('simple', search_key(q.t))) AS v(lexeme, positions, weights), "
    "unnest(v.positions) AS p(at)), '{}') "
    "FROM unnest(?::text[]) WITH ORDINALITY AS q(t, n)"
)


def cut_words(conn: Any, texts: Sequence[str]) -> list[list[str]]:
    """The indexed words of each text, in order, as the server cuts them for ``document``."""
    if not texts:
        return []
    rows = conn.execute(_LEXEMES_SQL, (list(texts),)).fetchall()
    found = {int(n): list(words) for n, words in rows}
    return [found.get(i + 1, []) for i in range(len(texts))]


# -- the tsquery --------------------------------------------------------------------------------


def _lexeme(word: str, prefix: bool, columns: frozenset[str]) -> str:
    text = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    marks = ("*" if prefix else "") + ("" if columns == ALL_COLUMNS else "".join(sorted(columns)))
    return f"{text}:{marks}" if marks else text


Words = list[tuple[str, bool]]  # (lexeme, prefix) in order


def _chain(words: Words, column: str) -> str:
    one = frozenset(column)
    return " <-> ".join(_lexeme(w, p, one) for w, p in words)


def _phrase_sql(words: Words, columns: frozenset[str]) -> str:
    if not columns:  # column filters that exclude one another (text:(handle:x))
        return NOTHING
    if len(words) == 1:
        word, prefix = words[0]
        return _lexeme(word, prefix, columns)
    # A phrase stays in one column: one chain per column, each word weighted with it.
    chains = [f"({_chain(words, c)})" for c in sorted(columns)]
    return chains[0] if len(chains) == 1 else "(" + " | ".join(chains) + ")"


def _near_sql(groups: list[Words], distance: int, columns: frozenset[str]) -> str | None:
    """Every order of the phrases, spaced so that at most ``distance`` words lie between the
    end of the first and the start of the last (FTS5's NEAR), inside one column."""
    unique: list[Words] = []
    for words in groups:
        if words and words not in unique:
            unique.append(words)
    if not unique:
        return None
    if not columns:
        return NOTHING
    if len(unique) == 1:
        return _phrase_sql(unique[0], columns)
    alternatives: list[list[tuple[Words, int]]] = []
    for order in itertools.permutations(unique):
        middle = sum(len(w) - 1 for w in order[1:-1])
        budget = distance + 1 - middle  # the sum of the <k> distances between neighbours
        for gaps in _gaps(len(order) - 1, budget):
            alternatives.append(list(zip(order, (*gaps, 0), strict=True)))
            if len(alternatives) * len(columns) > MAX_NEAR_ALTERNATIVES:
                raise SearchSyntaxError(
                    "this NEAR group is too wide for a team server: use fewer phrases or a "
                    "smaller distance"
                )
    if not alternatives:  # the phrases between the first and the last are already too long
        return NOTHING
    pieces = []
    for column in sorted(columns):
        for alternative in alternatives:
            text = ""
            for words, gap in alternative:
                text += f"({_chain(words, column)})"
                if gap:
                    text += f" <{gap}> "
            pieces.append(text)
    return "(" + " | ".join(pieces) + ")"


def _gaps(count: int, budget: int) -> Iterable[tuple[int, ...]]:
    """Every tuple of ``count`` distances of at least 1 adding up to at most ``budget``."""
    if count == 0:
        yield ()
        return
    for first in range(1, budget - count + 2):
        for rest in _gaps(count - 1, budget - first):
            yield (first, *rest)


def _words_of(phrase: Phrase, cut: dict[int, list[list[str]]]) -> Words:
    words: Words = []
    for (_text, prefix), lexemes in zip(phrase.parts, cut[id(phrase)], strict=True):
        words.extend((w, False) for w in lexemes)
        if prefix and lexemes:
            words[-1] = (words[-1][0], True)
    return words


def _compile(node: Node, cut: dict[int, list[list[str]]]) -> str | None:
    """The tsquery text of ``node``; None for a phrase without words, which FTS5 leaves out
    of an AND or an OR (and which alone matches nothing)."""
    if isinstance(node, Phrase):
        words = _words_of(node, cut)
        return _phrase_sql(words, node.columns) if words else None
    if isinstance(node, Near):
        return _near_sql([_words_of(p, cut) for p in node.phrases], node.distance, node.columns)
    left, right = _compile(node.left, cut), _compile(node.right, cut)
    if node.op == "NOT":
        if left is None:
            return None
        return left if right is None else f"({left} & !{right})"
    if left is None or right is None:
        return left if right is None else right
    return f"({left} {'&' if node.op == 'AND' else '|'} {right})"


def to_tsquery_text(conn: Any, fts_query: str) -> str:
    """The tsquery (as text) for an FTS5 query over the store's ``document`` column;
    ``NOTHING`` when no post can match. Raises SearchSyntaxError for a query FTS5 refuses."""
    node, phrases = parse(fts_query)
    texts = [text for phrase in phrases for text, _prefix in phrase.parts]
    words = cut_words(conn, texts)
    cut: dict[int, list[list[str]]] = {}
    at = 0
    for phrase in phrases:
        cut[id(phrase)] = words[at : at + len(phrase.parts)]
        at += len(phrase.parts)
    return _compile(node, cut) or NOTHING


# -- the queries ----------------------------------------------------------------------------------

# The condition on posts_fts the shared queries use (``document @@ ?::tsquery``).
MATCH_SQL = "document @@ ?::tsquery"
# The queue's condition on post ids, in two forms (queue._where). Walking the queue's order and
# checking each post against ``document`` finds the first page of a common word at once, but
# reads far into the queue for a rare one (~5 µs a post: 150 ms for a word in 0.7% of 100,000
# posts), and the planner counts that check as nearly free. Fetching every match first costs
# ~20 µs a match. So the matches come first when there are fewer than about
# 5 x sqrt(posts) of them (where the two costs meet), by the planner's estimate.
WALK_SQL = "p.id IN (SELECT rowid FROM posts_fts WHERE document @@ ?::tsquery)"
MATCHES_FIRST_SQL = "p.id = ANY(ARRAY(SELECT rowid FROM posts_fts WHERE document @@ ?::tsquery))"
_PHRASE_STEP = re.compile(r" <(?:-|\d+)> ")


def estimated_matches(conn: Any, tsquery: str) -> float:
    """The planner's estimate of the posts matching ``tsquery`` (a phrase estimated as its
    words all present: the planner takes phrases for far rarer than they are)."""
    loose = _PHRASE_STEP.sub(" & ", tsquery)
    plan = conn.execute(
        "EXPLAIN (FORMAT JSON) SELECT rowid FROM posts_fts WHERE document @@ ?::tsquery", (loose,)
    ).fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


# The page the threshold above was measured for (tests/perf/bench_pg_search.py: 100 ids).
WALK_PAGE = 100


def walk_threshold(posts: float, limit: int | None) -> float:
    """Matches (by the estimate) below which they come first, for a page of ``limit`` ids.

    A longer page walks further: the window's first rows of a search were 400 ids when this
    was measured (ui/queue_model.HEAD_ROWS, 200 since), and at 100,000 posts the walk for 400
    read past a quarter of the queue for a word in 3-5% of the posts (120-220 ms against 20-70
    ms for its matches first; the crossover near 7,000 matches). The threshold grows with the
    page (the matches of the demo's words crowd the top of the queue, so the first 100 are near
    and the next 300 far). No limit (the whole list): as for one page."""
    page = max(WALK_PAGE, int(limit or WALK_PAGE))
    return 5 * math.sqrt(posts) * page / WALK_PAGE


def posts_condition(conn: Any, tsquery: str, limit: int | None = None) -> str:
    """The condition on ``p.id`` for the queue's query (one ``?``: the tsquery), for a first
    page of ``limit`` ids (None: every match)."""
    if tsquery == NOTHING or _fewer_than_walk(conn, tsquery, limit):
        return MATCHES_FIRST_SQL
    return WALK_SQL


def _fewer_than_walk(conn: Any, tsquery: str, limit: int | None) -> bool:
    """Whether the planner expects fewer matches of ``tsquery`` than a walk of the queue for
    ``limit`` ids would read (walk_threshold of the indexed posts, as the planner counts them)."""
    posts = conn.execute(
        "SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = 'posts_fts'::regclass"
    ).fetchone()
    total = float(posts[0]) if posts else 1.0
    return bool(estimated_matches(conn, tsquery) < walk_threshold(total, limit))


def any_match(conn: Any, tsquery: str) -> bool:
    """Whether any post matches ``tsquery``. ``LIMIT 1`` alone lets the planner scan the table
    for the first match, which for a word in no post reads every post (0.7-0.9 s at 1M posts,
    a "did you mean" check of a search that found nothing): a word the planner takes for rare
    (which is what a word in no post looks like) is looked up in the index instead."""
    if tsquery == NOTHING:
        return False
    if _fewer_than_walk(conn, tsquery, None):
        sql = (
            "SELECT cardinality(ARRAY(SELECT rowid FROM posts_fts "
            "WHERE document @@ ?::tsquery)) > 0"
        )
    else:  # common: the first posts of the table hold it
        sql = "SELECT EXISTS (SELECT 1 FROM posts_fts WHERE document @@ ?::tsquery)"
    return bool(conn.execute(sql, (tsquery,)).fetchone()[0])


HITS_SQL = (
    "SELECT string_agg(lpad(to_hex(rowid), 16, '0'), '' ORDER BY rowid) FROM posts_fts "
    "WHERE document @@ ?::tsquery"
)


def hits_packed(conn: Any, tsquery: str) -> str | None:
    """Every matching post id as 16 hex digits each, in id order (queue.search_hits' form)."""
    row = conn.execute(HITS_SQL, (tsquery,)).fetchone()
    return row[0] if row else None


# -- words for "did you mean" --------------------------------------------------------------------

# Posts read per probe. ts_stat over the whole index reads every post (about 1 s at 100,000):
# the words near a misspelt one come from the posts holding a word that starts like it, a
# bounded number of them through the GIN index.
_PROBE_POSTS = 2500

_NEAR_WORDS_SQL = (
    "SELECT word, ndoc FROM ts_stat(format('SELECT document FROM posts_fts "
    f"WHERE document @@ %L::tsquery LIMIT {_PROBE_POSTS}', ?::text)) WHERE left(word, 1) = ?"
)


def probe_prefixes(target: str) -> list[str]:
    """Starts of the words a misspelling of ``target`` may come from: its first two letters,
    the first and third (second letter missing or doubled), the second and first swapped,
    and the first letter alone when the word is short."""
    found: list[str] = []
    candidates = [target[:2], target[0] + target[2:3], target[1:2] + target[:1]]
    for prefix in candidates:
        if len(prefix) == 2 and prefix[0] == target[0] and prefix not in found:
            found.append(prefix)
    return found or [target[:1]]


def vocabulary_near(conn: Any, target: str) -> list[tuple[str, int]]:
    """Indexed words sharing ``target``'s first letter, with the posts (of those read) that
    hold them, from a few bounded probes of the index."""
    words: dict[str, int] = {}
    for prefix in probe_prefixes(target):
        tsquery = _lexeme(prefix, True, ALL_COLUMNS)
        rows = conn.execute(_NEAR_WORDS_SQL, (tsquery, target[:1]))
        for word, docs in rows.fetchall():
            words[str(word)] = max(words.get(str(word), 0), int(docs))
    return sorted(words.items())
