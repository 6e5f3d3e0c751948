"""SQLite-flavoured SQL of the shared store modules, rewritten once per distinct string for
PostgreSQL, so that the query modules stay one copy for both engines.

Only what is mechanical lives here: placeholders, percent signs (psycopg reads ``%`` as its own
placeholder marker everywhere in a query that has parameters), the ``user`` column (a reserved
word that PostgreSQL would silently read as the login name), ``BEGIN IMMEDIATE``, ``INSERT OR
IGNORE``/``OR REPLACE`` and ``IN (SELECT value FROM json_each(?))``. Functions SQLite has and
PostgreSQL lacks (group_concat, printf, json_extract, ...) are defined on the server instead
(pg_migrations/_compat_sql.py). Queries that genuinely differ (full-text search, claims)
belong in a backend module, not here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Column names of the schema that PostgreSQL reserves; quoted wherever they appear bare.
RESERVED_COLUMNS = frozenset({"user"})

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_JSON_IN = re.compile(
    r"\bIN\s*\(\s*SELECT\s+value\s+FROM\s+json_each\s*\(\s*\?\s*\)\s*\)", re.IGNORECASE
)
_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\s+", re.IGNORECASE)
_OR_REPLACE = re.compile(
    r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)", re.IGNORECASE
)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_BEGIN = re.compile(
    r"^\s*BEGIN(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE))?(\s+TRANSACTION)?\s*;?\s*$", re.I
)
_PRAGMA = re.compile(r"^\s*PRAGMA\s+(\w+)\s*(=\s*(.+?))?\s*;?\s*$", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_DROP_TRIGGER = re.compile(
    r"^\s*DROP\s+TRIGGER\s+(IF\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*;?\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Translated:
    """One statement ready for psycopg.

    ``sql`` uses ``%s`` placeholders. ``json_params`` are the positions of parameters that the
    SQLite text passed as a JSON array to json_each(): the adapter decodes them into a list,
    which PostgreSQL receives as an array for ``= ANY(%s)``. ``replace_table``/``replace_columns``
    mark an ``INSERT OR REPLACE`` whose ``ON CONFLICT`` clause needs the table's primary key,
    which only the server knows (the adapter asks once per table). ``insert_table`` is the
    target of a plain INSERT (for ``lastrowid``). ``pragma`` is a PRAGMA the adapter answers
    itself: (name, value or None)."""

    sql: str
    json_params: tuple[int, ...] = ()
    replace_table: str | None = None
    replace_columns: tuple[str, ...] = ()
    insert_table: str | None = None
    pragma: tuple[str, str | None] | None = None
    numbered: bool = False  # ?1, ?2 ... : the adapter passes {"p1": first, ...}
    # BEGIN IMMEDIATE/EXCLUSIVE: the adapter takes the store's writer lock (one writing
    # transaction at a time, as on SQLite).
    writer: bool = False


def _outside_literals(sql: str) -> list[tuple[bool, str]]:
    """The text cut into (is_code, piece): string literals, quoted identifiers and comments are
    pieces with is_code False, kept byte for byte."""
    pieces: list[tuple[bool, str]] = []
    i, start, n = 0, 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            if start < i:
                pieces.append((True, sql[start:i]))
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # '' or "" inside
                        j += 2
                        continue
                    break
                j += 1
            pieces.append((False, sql[i : j + 1]))
            i = start = j + 1
        elif ch == "-" and sql.startswith("--", i):
            if start < i:
                pieces.append((True, sql[start:i]))
            j = sql.find("\n", i)
            j = n if j < 0 else j
            pieces.append((False, sql[i:j]))
            i = start = j
        else:
            i += 1
    if start < n:
        pieces.append((True, sql[start:]))
    return pieces


_NUMBERED = re.compile(r"\?(\d+)")


def _rewrite_code(code: str) -> str:
    code = code.replace("%", "%%")
    code = _NUMBERED.sub(lambda m: f"%(p{int(m.group(1))})s", code).replace("?", "%s")
    return _WORD.sub(
        lambda m: (
            f'"{m.group(0).lower()}"' if m.group(0).lower() in RESERVED_COLUMNS else m.group(0)
        ),
        code,
    )


def _append_clause(sql: str, clause: str) -> str:
    """``clause`` before a RETURNING and before a final semicolon."""
    body = sql.rstrip().rstrip(";").rstrip()
    found = list(_RETURNING.finditer(body))
    if found:
        at = found[-1].start()
        return f"{body[:at]}{clause} {body[at:]}"
    return f"{body} {clause}"


_SUBQUERY = re.compile(r"\b(FROM|JOIN)\s*\(\s*(SELECT|WITH|VALUES)\b", re.IGNORECASE)
# Words that may follow a subquery in FROM when it has no alias.
_NOT_ALIAS = frozenset(
    {
        "where",
        "group",
        "order",
        "limit",
        "offset",
        "union",
        "except",
        "intersect",
        "join",
        "left",
        "right",
        "inner",
        "outer",
        "cross",
        "full",
        "natural",
        "on",
        "using",
        "having",
        "window",
        "returning",
        "for",
    }
)


def _after_quoted(text: str, i: int) -> int:
    """Just past the literal or quoted name opening at ``i`` (its quote doubled inside)."""
    quote, n = text[i], len(text)
    j = text.find(quote, i + 1)
    while j >= 0 and j + 1 < n and text[j + 1] == quote:
        j = text.find(quote, j + 2)
    return n if j < 0 else j + 1


def _close_paren(sql: str, start: int) -> int:
    """Where the parenthesis opened at ``start`` closes (literals and quoted names skipped)."""
    depth, i, n = 0, start, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            i = _after_quoted(sql, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _alias_subqueries(sql: str) -> str:
    """PostgreSQL 15 wants a name for every subquery in FROM (SQLite and PostgreSQL 16 do
    not): an unnamed one gets ``AS _sq1``, ``_sq2``, ..."""
    count = 0
    at = 0
    while True:
        found = _SUBQUERY.search(sql, at)
        if found is None:
            return sql
        opening = sql.index("(", found.start())
        closing = _close_paren(sql, opening)
        if closing < 0:
            return sql
        after = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)?", sql[closing + 1 :])
        word = after.group(1) if after else None
        if word is None or word.lower() in _NOT_ALIAS:
            count += 1
            sql = f"{sql[: closing + 1]} AS _sq{count}{sql[closing + 1 :]}"
        at = opening + 1


_GROUP_CONCAT = re.compile(r"\bgroup_concat\s*\(", re.IGNORECASE)


def _split_arguments(text: str) -> list[str]:
    """A call's arguments: top-level commas only (literals and nested calls skipped)."""
    args: list[str] = []
    depth, start, i, n = 0, 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            i = _after_quoted(text, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(text[start:i])
            start = i + 1
        i += 1
    args.append(text[start:])
    return args


def _string_agg(sql: str) -> str:
    """``group_concat(x)`` / ``group_concat(x, sep)`` / ``group_concat(DISTINCT x)`` as
    PostgreSQL's built-in ``string_agg((x)::text, sep)``: the compatibility aggregate of
    _compat_sql.py copies the text so far at every row (seconds for a whole queue's ids), the
    built-in appends. Both skip NULLs and give NULL for no rows."""
    at = 0
    while True:
        found = _GROUP_CONCAT.search(sql, at)
        if found is None:
            return sql
        if any(
            not is_code and start <= found.start() < start + len(piece)
            for is_code, piece, start in _pieces_at(sql)
        ):
            at = found.end()
            continue
        opening = found.end() - 1
        closing = _close_paren(sql, opening)
        if closing < 0:
            return sql
        args = _split_arguments(sql[opening + 1 : closing])
        if len(args) > 2 or not args[0].strip():
            at = found.end()
            continue
        value = args[0].strip()
        distinct = ""
        if re.match(r"DISTINCT\s", value, re.IGNORECASE):
            distinct, value = "DISTINCT ", value[9:].strip()
        separator = args[1].strip() if len(args) == 2 else "','"
        call = f"string_agg({distinct}({value})::text, {separator})"
        sql = sql[: found.start()] + call + sql[closing + 1 :]
        at = found.start() + len("string_agg(")


def _pieces_at(sql: str) -> list[tuple[bool, str, int]]:
    out: list[tuple[bool, str, int]] = []
    position = 0
    for is_code, piece in _outside_literals(sql):
        out.append((is_code, piece, position))
        position += len(piece)
    return out


@lru_cache(maxsize=4096)
def translate(sql: str) -> Translated:
    """The PostgreSQL form of one SQLite statement of the shared modules."""
    if "group_concat" in sql.lower():
        sql = _string_agg(sql)
    begin = _BEGIN.match(sql)
    if begin:
        mode = (begin.group(2) or "DEFERRED").upper()
        return Translated("BEGIN", writer=mode != "DEFERRED")
    dropped = _DROP_TRIGGER.match(sql)
    if dropped:
        return Translated(_drop_trigger(dropped.group(2), bool(dropped.group(1))))
    pragma = _PRAGMA.match(sql)
    if pragma:
        value = pragma.group(3)
        return Translated("", pragma=(pragma.group(1).lower(), value.strip() if value else None))
    # json_each(?) parameters: count the placeholders in code before each match.
    json_params: list[int] = []
    replace: re.Match[str] | None = _OR_REPLACE.match(sql)
    ignore = bool(_OR_IGNORE.match(sql))
    if ignore:
        sql = _OR_IGNORE.sub("INSERT INTO ", sql, count=1)
    if replace:
        sql = re.sub(
            r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+", "INSERT INTO ", sql, count=1, flags=re.I
        )
    out: list[str] = []
    seen = 0
    for is_code, piece in _outside_literals(sql):
        if not is_code:  # psycopg reads % inside literals too
            out.append(piece.replace("%", "%%"))
            continue
        pos = 0
        for m in _JSON_IN.finditer(piece):
            before = piece[pos : m.start()]
            seen += before.count("?")
            out.append(_rewrite_code(before))
            json_params.append(seen)
            seen += 1
            out.append("= ANY(%s)")
            pos = m.end()
        rest = piece[pos:]
        seen += rest.count("?")
        out.append(_rewrite_code(rest))
    text = _alias_subqueries("".join(out))
    numbered = bool(_NUMBERED.search(sql))
    if ignore:
        text = _append_clause(text, "ON CONFLICT DO NOTHING")
    target = _INSERT_INTO.match(text)
    if replace:
        columns = tuple(c.strip().strip('"').lower() for c in replace.group(2).split(","))
        return Translated(
            text, tuple(json_params), replace.group(1), columns, replace.group(1), None, numbered
        )
    return Translated(
        text,
        tuple(json_params),
        insert_table=target.group(1).lower() if target else None,
        numbered=numbered,
    )


def _drop_trigger(name: str, if_exists: bool) -> str:
    """SQLite's ``DROP TRIGGER name`` (PostgreSQL wants the table too: the server finds it).
    Shared code never drops a trigger; the tests that prove a dropped guard is still caught do,
    as anyone with the file or a table owner's login can."""
    missing = "NULL" if if_exists else f"RAISE EXCEPTION 'no such trigger: {name}'"
    return (
        "DO $$ DECLARE t text; BEGIN "
        f"SELECT tgrelid::regclass::text INTO t FROM pg_trigger "
        f"WHERE tgname = '{name.lower()}' AND NOT tgisinternal LIMIT 1; "
        f"IF t IS NULL THEN {missing}; "
        f"ELSE EXECUTE format('DROP TRIGGER %%I ON %%s', '{name.lower()}', t); END IF; END $$"
    )


def _quote(column: str) -> str:
    return f'"{column}"' if column in RESERVED_COLUMNS else column


def replace_clause(
    columns: tuple[str, ...], key: tuple[str, ...], every_column: tuple[str, ...]
) -> str:
    """The ``ON CONFLICT`` that makes an INSERT behave as SQLite's INSERT OR REPLACE on the
    primary key: SQLite deletes the old row, so the named columns take the new values and the
    table's other columns go back to their defaults."""
    target = ", ".join(_quote(c) for c in key)
    sets = [f"{_quote(c)} = EXCLUDED.{_quote(c)}" for c in columns if c not in key]
    sets += [f"{_quote(c)} = DEFAULT" for c in every_column if c not in key and c not in columns]
    if not sets:
        return f"ON CONFLICT ({target}) DO NOTHING"
    return f"ON CONFLICT ({target}) DO UPDATE SET {', '.join(sets)}"
